/**
 * reproduceMatch: the user's agent plays one seat of a recorded match again, fed the
 * observations of the record; "identical" for the same agent, the first differing step for a
 * changed one, and a recorded fault counts as the record.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinAgentSpec, compactReplay, loadReplay, runMatch, type MatchLimits, type Replay } from "../src/index.ts";
import { reproduceMatch } from "../src/index.ts";
import { pidDir, scripted } from "./fixtures/processes.ts";

const limits: Partial<MatchLimits> = { initTimeoutMs: 5000, stepTimeoutMs: 300, timeBankMs: 400, killGraceMs: 150, endGraceMs: 300 };

async function record(env: { id: string; config?: Record<string, unknown> }, modeA: string[], modeB: string[] = ["ok"]): Promise<Replay> {
  const { dir, cleanup } = pidDir();
  try {
    const r = await runMatch({ env, seed: 11, limits, agents: [scripted("A", join(dir, "a"), ...modeA), scripted("B", join(dir, "b"), ...modeB)] });
    const { timing: _timing, ...replay } = r.replay;
    return loadReplay(JSON.parse(JSON.stringify(compactReplay(replay)))); // as the platform serves it
  } finally {
    cleanup();
  }
}

async function again(replay: Replay, seat: number, ...mode: string[]) {
  const { dir, cleanup } = pidDir();
  try {
    return await reproduceMatch({ replay, seat, agent: scripted("me", join(dir, "me"), ...mode), limits });
  } finally {
    cleanup();
  }
}

test("the same agent reproduces its seat identically, in a simultaneous and a turn-based game", async () => {
  const pong = await record({ id: "pong", config: { max_steps: 40 } }, ["ok"]);
  assert.equal(await again(pong, 0, "ok"), { identical: true, steps: 40, asked: 40 });
  assert.equal(await again(pong, 1, "ok"), { identical: true, steps: 40, asked: 40 });
  const ttt = await record({ id: "tic-tac-toe" }, ["ok"]);
  const r = await again(ttt, 1, "ok");
  assert.ok(r.identical && r.asked === Math.floor(r.steps / 2), JSON.stringify(r));
});

test("a changed agent is reported at the first step it answers differently", async () => {
  const pong = await record({ id: "pong", config: { max_steps: 40 } }, ["ok"]);
  const r = await again(pong, 0, "invalid-at", "17");
  assert.equal(r, { identical: false, step: 17, recorded: 1, answered: 7, detail: "step 17: recorded action 1, your agent answers 7" });
  const late = await again(pong, 1, "exit-at", "3");
  assert.is(late.identical, false);
  assert.is((late as { step: number }).step, 3);
  assert.match((late as { detail: string }).detail, /^step 3: recorded action 1, your agent exited/);
});

test("a recorded fault is part of the record: faulting again is identical, answering well there differs", async () => {
  const faulty = await record({ id: "pong", config: { max_steps: 40 } }, ["invalid-at", "9"]);
  assert.is(faulty.result.end_reason, "invalid_action");
  assert.equal(await again(faulty, 0, "invalid-at", "9"), { identical: true, steps: 9, asked: 10 });
  const fixed = await again(faulty, 0, "ok");
  assert.is(fixed.identical, false);
  assert.is((fixed as { step: number }).step, 9);
  assert.match((fixed as { detail: string }).detail, /^step 9: the record ends with invalid_action \(player 0 invalid_action: step 9: action "7" is not in the action space.*\), your agent now answers 1$/);
});

test("another environment version or a missing seed is refused by name", async () => {
  const pong = await record({ id: "pong", config: { max_steps: 5 } }, ["ok"]);
  for (const [doc, message] of [
    [{ ...pong, environment: { ...pong.environment, version: "1.2.0" } }, /played on pong 1\.2\.0; reproducing it needs exactly that version, and this rl-arena-env has pong 1\.0\.0/],
    [{ ...pong, seed: null }, /has no seed/],
  ] as const) {
    try {
      await again(doc as Replay, 0, "ok");
      assert.unreachable("accepted");
    } catch (error) {
      assert.match((error as Error).message, message);
    }
  }
});

test("the CLI: rl-arena-env reproduce replay.json --seat N builtin:… says identical (exit 0) or where it differs (exit 3)", async () => {
  const r = await runMatch({ env: { id: "pong", config: { max_steps: 60 } }, seed: 5, limits, agents: [builtinAgentSpec("pong-tracker"), builtinAgentSpec("pong-random")] });
  const dir = mkdtempSync(join(tmpdir(), "rla-reproduce-"));
  try {
    const file = join(dir, "match.json");
    writeFileSync(file, JSON.stringify(compactReplay(r.replay)));
    const cli = (...args: string[]) => spawnSync(process.execPath, [new URL("../bin/rl-arena-env.js", import.meta.url).pathname, "reproduce", ...args], { encoding: "utf8", timeout: 120_000 });
    const same = cli(file, "--seat", "0", "builtin:pong-tracker");
    assert.is(same.status, 0, same.stderr);
    assert.is(same.stdout, "identical: your agent gave the recorded answer at all 60 steps it was asked (60 steps, seat 0)\n");
    assert.is(cli(file, "--seat", "1", "builtin:pong-random").status, 0, "a random agent gets the match's agent seed again");
    const other = cli(file, "--seat", "0", "builtin:pong-random");
    const expected = await reproduceMatch({ replay: loadReplay(JSON.stringify(r.replay)), seat: 0, agent: builtinAgentSpec("pong-random"), limits });
    assert.is(expected.identical, false);
    assert.is(other.status, 3, other.stderr);
    assert.is(other.stdout, `differs at ${(expected as { detail: string }).detail}\n`);
    assert.match(other.stdout, new RegExp(`^differs at step ${(expected as { step: number }).step}: recorded action \\d, your agent answers \\d\n$`));
    const noPlatform = spawnSync(process.execPath, [new URL("../bin/rl-arena-env.js", import.meta.url).pathname, "reproduce", "01a239bf-8060-7000-8001-d9d530893c95", "--seat", "0", "builtin:pong-tracker"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    assert.is(noPlatform.status, 2);
    assert.match(noPlatform.stderr, /is a match id: say where the platform is with --platform URL \(or RL_ARENA_URL\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
