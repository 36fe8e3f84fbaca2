import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { runMatch, type MatchLimits } from "../src/referee.ts";
import { alive, pidDir, readPids, scripted } from "./fixtures/processes.ts";

// Small limits keep the suite fast: 150 ms per step, a 400 ms bank, 150 ms kill grace.
const limits: Partial<MatchLimits> = { initTimeoutMs: 5000, stepTimeoutMs: 150, timeBankMs: 400, killGraceMs: 150, endGraceMs: 300 };
const pong: { id: string; config?: Record<string, unknown> } = { id: "pong", config: { max_steps: 30 } };

/** Plays pong between two scripted agents and checks that none of their processes survive. */
async function play(modeA: string[], modeB: string[] = ["ok"], env = pong, extra: Partial<MatchLimits> = {}) {
  const { dir, cleanup } = pidDir();
  const files = [join(dir, "a"), join(dir, "b")];
  try {
    const result = await runMatch({ env, seed: 7, limits: { ...limits, ...extra }, agents: [scripted("A", files[0]!, ...modeA), scripted("B", files[1]!, ...modeB)] });
    const pids = readPids(...files);
    assert.is(pids.length, 4, "both agents and their grandchildren reported their pids");
    assert.equal(alive(pids), [], "no process of either agent is left running");
    return result;
  } finally {
    cleanup();
  }
}

test("two well-behaved agents play to the environment's end and the match completes", async () => {
  const r = await play(["ok"]);
  assert.is(r.outcome.end_reason, "completed");
  assert.is(r.outcome.total_steps, 30);
  assert.is(r.replay.steps.length, 31);
  assert.is(r.replay.players[0]!.name, "A");
  assert.is(r.replay.result.end_reason, "completed");
  assert.ok(r.logs[0]!.includes('end: {"winner"'), "the agent received the end message");
  assert.is(r.stats.players[0]!.answers, 30);
});

test("an agent that never answers a step times out at step limit + bank + grace and loses", async () => {
  const started = Date.now();
  const r = await play(["silent-at", "2"]);
  assert.is(r.outcome.end_reason, "timeout");
  assert.is(r.outcome.faulted_player, 0);
  assert.is(r.outcome.winner, 1);
  assert.is(r.outcome.total_steps, 2);
  assert.ok(Date.now() - started >= 700, "it waited for step limit + bank + grace");
  assert.match(r.outcome.fault_detail!, /no answer within/);
  assert.match(r.logs[0]!, /\[rl-arena referee\] timeout: step 2: no answer/);
});

test("an agent that never answers init times out at the init timeout", async () => {
  const r = await play(["ok"], ["silent-init"], pong, { initTimeoutMs: 800 });
  assert.is(r.outcome.end_reason, "timeout");
  assert.is(r.outcome.faulted_player, 1);
  assert.is(r.outcome.winner, 0);
  assert.is(r.outcome.total_steps, 0);
  assert.match(r.outcome.fault_detail!, /^player 1 timeout: init/);
});

test("an agent answering late within its bank keeps playing and its bank shrinks", async () => {
  const r = await play(["late-at", "2", "300"]);
  assert.is(r.outcome.end_reason, "completed");
  const bank = r.stats.players[0]!.bank_left_ms;
  assert.ok(bank < 260 && bank > 150, `about 150 ms of the 400 ms bank used, ${bank} left`);
  assert.is(r.stats.players[1]!.bank_left_ms, 400);
  const sent = /step 3 bank ([0-9.]+)/.exec(r.logs[0]!);
  assert.ok(sent && Number(sent[1]) < 0.26, "the next step message carried the smaller bank");
});

test("an agent answering after step limit + bank (inside the kill grace) times out", async () => {
  const r = await play(["late-at", "2", "620"]);
  assert.is(r.outcome.end_reason, "timeout");
  assert.is(r.outcome.faulted_player, 0);
  assert.match(r.outcome.fault_detail!, /answered after 0\.6\d\d s, beyond the limit 0\.150 s \+ time bank 0\.400 s/);
});

test("an agent that exits when it receives init crashes and loses", async () => {
  const r = await play(["exit-init"]);
  assert.is(r.outcome.end_reason, "crash");
  assert.is(r.outcome.winner, 1);
  assert.is(r.outcome.total_steps, 0);
  assert.match(r.outcome.fault_detail!, /exited with code 3/);
});

test("an agent that exits in the middle of the match crashes and loses", async () => {
  const r = await play(["ok"], ["exit-at", "5"]);
  assert.is(r.outcome.end_reason, "crash");
  assert.is(r.outcome.faulted_player, 1);
  assert.is(r.outcome.winner, 0);
  assert.is(r.outcome.total_steps, 5);
  assert.is(r.replay.steps.at(-1)!.status[1], "crash");
});

test("an agent that prints a line that is not JSON commits a protocol error", async () => {
  const r = await play(["garbage-at", "4"]);
  assert.is(r.outcome.end_reason, "protocol_error");
  assert.is(r.outcome.faulted_player, 0);
  assert.match(r.outcome.fault_detail!, /not valid JSON: "this is not json"/);
});

test("an agent that writes a line nobody asked for commits a protocol error", async () => {
  const r = await play(["extra-line-at", "4"]);
  assert.is(r.outcome.end_reason, "protocol_error");
  assert.match(r.outcome.fault_detail!, /a line nobody asked for/);
  assert.is(r.outcome.total_steps, 5);
});

test("an action outside the action space is an invalid action", async () => {
  const r = await play(["ok"], ["invalid-at", "3"]);
  assert.is(r.outcome.end_reason, "invalid_action");
  assert.is(r.outcome.faulted_player, 1);
  assert.is(r.outcome.winner, 0);
  assert.is(r.outcome.total_steps, 3);
});

test("an illegal move in tic-tac-toe (an occupied cell) is an invalid action reported by the environment", async () => {
  const r = await play(["illegal-at", "2"], ["ok"], { id: "tic-tac-toe", config: {} });
  assert.is(r.outcome.end_reason, "invalid_action");
  assert.is(r.outcome.faulted_player, 0);
  assert.is(r.outcome.total_steps, 2);
  assert.match(r.outcome.fault_detail!, /Player 0 sent an invalid action 0/);
});

test("an agent flooding stderr has its log capped with a marker and the match still completes", async () => {
  const r = await play(["stderr-flood"], ["ok"], pong, { stderrCapBytes: 64 * 1024 });
  assert.is(r.outcome.end_reason, "completed");
  assert.ok(r.logs[0]!.length < 64 * 1024 + 200, `log kept to the cap (${r.logs[0]!.length} chars)`);
  assert.match(r.logs[0]!, /stderr truncated here, the log is capped at 65536 bytes/);
  assert.ok(r.logs[1]!.length < 4096, "the other agent's log is its own");
});

test("an agent flooding stdout without newlines is stopped at the line cap as a protocol error", async () => {
  const r = await play(["stdout-flood-at", "3"], ["ok"], pong, { maxLineBytes: 1024 * 1024 });
  assert.is(r.outcome.end_reason, "protocol_error");
  assert.is(r.outcome.faulted_player, 0);
  assert.match(r.outcome.fault_detail!, /longer than 1048576 bytes/);
});

test("both agents faulting on the same step make the match a draw", async () => {
  const r = await play(["garbage-at", "3"], ["exit-at", "3"]);
  assert.is(r.outcome.winner, null);
  assert.equal(r.outcome.faulted_players, [0, 1]);
  assert.is(r.outcome.end_reason, "protocol_error");
  assert.match(r.outcome.fault_detail!, /player 1 crash/);
});

test("the launch hook decides what is spawned (and with which environment), and the group is still killed", async () => {
  const { dir, cleanup } = pidDir();
  try {
    const calls: Array<[string, number]> = [];
    const r = await runMatch({
      env: pong,
      seed: 1,
      limits,
      agents: [scripted("A", "unused", "ok"), scripted("B", "unused", "ok")],
      launch: (spec, player) => {
        calls.push([spec.name, player]);
        // A wrapper like a sandbox: a shell that execs the agent, with a complete, chosen environment.
        return { command: "/bin/sh", args: ["-c", 'exec "$0" "$@"', spec.command, ...spec.args], env: { PATH: process.env.PATH!, PIDFILE: join(dir, `p${player}`) } };
      },
    });
    assert.equal(calls, [["A", 0], ["B", 1]]);
    assert.is(r.outcome.end_reason, "completed");
    const pids = readPids(join(dir, "p0"), join(dir, "p1"));
    assert.is(pids.length, 4, "the PIDFILE from the hook's environment reached the agents");
    assert.equal(alive(pids), []);
  } finally {
    cleanup();
  }
});

test("aborting a match rejects with the reason and leaves no agent process running", async () => {
  const { dir, cleanup } = pidDir();
  try {
    const files = [join(dir, "a"), join(dir, "b")];
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled by an admin")), 400);
    const started = Date.now();
    try {
      await runMatch({ env: pong, seed: 1, limits: { ...limits, stepTimeoutMs: 10_000, timeBankMs: 0 }, agents: [scripted("A", files[0]!, "silent-at", "1"), scripted("B", files[1]!, "ok")], signal: controller.signal });
      assert.unreachable("should have rejected");
    } catch (error) {
      assert.is((error as Error).message, "cancelled by an admin");
    }
    assert.ok(Date.now() - started < 5000, "it did not wait for the step limit");
    assert.equal(alive(readPids(...files)), []);
  } finally {
    cleanup();
  }
});

test("an agent command that cannot be started is a platform failure (rejects), not an agent fault", async () => {
  try {
    await runMatch({ env: pong, seed: 1, limits, agents: [{ name: "x", command: "/nonexistent/agent", args: [] }, scripted("B", "/dev/null", "ok")] });
    assert.unreachable("should have rejected");
  } catch (error) {
    assert.match((error as Error).message, /could not start agent 0 \(x\): spawn \/nonexistent\/agent ENOENT/);
  }
});

test.run();
