/**
 * The timing runMatch adds to the replay: per seat, each request's answer time, the bank left
 * and how many stderr lines the agent had written by then, so a player can show each step's
 * log lines and time against the limits.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { runMatch, type MatchLimits } from "../src/referee.ts";
import { pidDir, scripted } from "./fixtures/processes.ts";

const limits: Partial<MatchLimits> = { initTimeoutMs: 5000, stepTimeoutMs: 150, timeBankMs: 400, killGraceMs: 150, endGraceMs: 300 };

async function play(modeA: string[], modeB: string[] = ["ok"], env: { id: string; config?: Record<string, unknown> } = { id: "pong", config: { max_steps: 30 } }) {
  const { dir, cleanup } = pidDir();
  try {
    return await runMatch({ env, seed: 7, limits, agents: [scripted("A", join(dir, "a"), ...modeA), scripted("B", join(dir, "b"), ...modeB)] });
  } finally {
    cleanup();
  }
}

test("each request's stderr lines, answer time and bank are recorded per seat", async () => {
  const r = await play(["late-at", "4", "300"]);
  const timing = r.replay.timing!;
  assert.is(timing.step_timeout_ms, 150);
  assert.is(timing.time_bank_ms, 400);
  assert.is(timing.seats.length, 2);
  const a = timing.seats[0]!;
  assert.is(a.ms.length, 30, "one entry per request");
  assert.ok(a.init_ms !== null && a.init_ms > 0);
  assert.ok(a.ms[4]! >= 300 && a.ms[4]! < 500, `request 4 answered late: ${a.ms[4]} ms`);
  assert.ok(Math.abs(a.bank_ms[4]! - (400 - (a.ms[4]! - 150))) < 1, `bank after request 4: ${a.bank_ms[4]}`);
  assert.is(a.bank_ms[29], a.bank_ms[4], "the bank is only drawn on once");
  assert.is(timing.seats[1]!.bank_ms[29], 400);
  // The scripted agent writes "step N bank X" before answering request N: request r's lines are exactly that one.
  const lines = r.logs[0]!.split("\n");
  for (let step = 0; step < 30; step++) {
    const from = step === 0 ? a.init_lines : a.lines[step - 1]!;
    const own = lines.slice(from, a.lines[step]!);
    assert.is(own.length, 1, `request ${step}: ${JSON.stringify(own)}`);
    const said = /^step (\d+) bank ([\d.]+)$/.exec(own[0]!);
    assert.is(Number(said?.[1]), step, own[0]);
    assert.ok(Math.abs(Number(said![2]) - (step <= 4 ? 0.4 : a.bank_ms[4]! / 1000)) < 0.001, `request ${step} was told the bank left: ${own[0]}`);
  }
});

test("a seat that waits its turn has null times, and a faulting request still gets its row", async () => {
  const r = await play(["ok"], ["silent-at", "3"], { id: "tic-tac-toe" });
  const [x, o] = r.replay.timing!.seats;
  assert.is(r.outcome.end_reason, "timeout");
  // Tic-tac-toe alternates: requests 0, 2, 4… ask seat 0 and 1, 3, 5… seat 1.
  assert.is(x!.ms[1], null);
  assert.is(o!.ms[0], null);
  assert.is(o!.ms.length, r.outcome.total_steps + 1, "the request that timed out has a row");
  assert.ok(o!.ms[3]! >= 550, `the timeout took step limit + bank + grace: ${o!.ms[3]} ms`);
  assert.is(o!.bank_ms[3], 400, "a fault is not drawn from the bank");
});

test.run();
