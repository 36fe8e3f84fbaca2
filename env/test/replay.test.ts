/** ReplayRecorder, loadReplay and renderReplayHtml (SPEC §1.4). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  ReplayRecorder,
  ReplayValidationError,
  builtinAgents,
  loadReplay,
  make,
  playEpisode,
  playerBundleSource,
  renderReplayHtml,
  winnerByRewards,
  type Replay,
} from "../src/index.ts";

const clock = () => {
  let t = Date.parse("2025-03-01T12:00:00Z");
  return () => new Date((t += 1000));
};

function pongReplay(seed = 3, config: Record<string, unknown> = { max_steps: 50 }): Replay {
  const env = make("pong", { config });
  const recorder = new ReplayRecorder(env, { seed, players: [{ name: "Lefty", agent_id: "a1" }, { name: "Righty" }], now: clock() });
  recorder.recordReset(env.reset({ seed }));
  for (;;) {
    const actions = [0, 2];
    const r = env.step(actions);
    recorder.recordStep(actions, r);
    if (r.terminated || r.truncated) break;
  }
  return recorder.finish();
}

test("the recorder writes frame 0 as the reset state and one frame per step", () => {
  const replay = pongReplay();
  assert.is(replay.schema_version, 1);
  assert.equal(replay.environment, { id: "pong", version: "1.0.0", config: make("pong", { config: { max_steps: 50 } }).config });
  assert.is(replay.seed, 3);
  assert.equal(replay.players, [
    { agent_id: "a1", name: "Lefty", submission_id: null, version: null },
    { agent_id: null, name: "Righty", submission_id: null, version: null },
  ]);
  assert.is(replay.steps.length, 51);
  const [first, second] = replay.steps;
  assert.equal(first.step, 0);
  assert.equal(first.actions, [null, null]);
  assert.equal(first.rewards, [0, 0]);
  assert.equal(first.status, ["active", "active"]);
  const fresh = make("pong");
  fresh.reset({ seed: 3 });
  assert.equal(first.render, fresh.renderState(), "frame 0 renders the reset state");
  assert.equal(second.actions, [0, 2]);
  assert.is(second.step, 1);
  assert.equal(replay.steps[50].status, ["done", "done"]);
  assert.is(first.observations, undefined, "observations are optional and off by default");
  // Player 0 holds UP and player 1 DOWN; the seed-3 serve goes past player 0 once in 50 steps.
  const totals = [0, 1].map((p) => replay.steps.reduce((sum, s) => sum + s.rewards[p], 0));
  assert.equal(totals, [-1, 1]);
  assert.equal(replay.result, { winner: 1, scores: [-1, 1], end_reason: "completed", total_steps: 50 });
  assert.is(replay.started_at, "2025-03-01T12:00:01.000Z");
  assert.is(replay.ended_at, "2025-03-01T12:00:02.000Z");
  assert.equal(loadReplay(JSON.stringify(replay)), replay, "it survives JSON and validation");
});

test("turn-based replays mark the waiting player inactive and keep observations when asked", () => {
  const replay = playEpisode({
    env: "tic-tac-toe",
    policies: [builtinAgents["tictactoe-heuristic"].act, builtinAgents["tictactoe-random"].act],
    seed: 4,
    includeObservations: true,
  });
  assert.equal(replay.steps[0].status, ["active", "inactive"]);
  assert.equal(replay.steps[1].status, ["inactive", "active"]);
  assert.equal(replay.steps[1].actions[1], null);
  assert.is((replay.steps[1].observations as unknown[]).length, 2);
  const last = replay.steps[replay.steps.length - 1];
  assert.equal(last.status, ["done", "done"]);
  assert.is(replay.result.winner, replay.steps.at(-1)!.info.winner as number | null);
  loadReplay(replay);
});

test("finish takes the referee's outcome and marks the faulted player's status", () => {
  const env = make("pong");
  const recorder = new ReplayRecorder(env, { seed: 1 });
  recorder.recordReset(env.reset({ seed: 1 }));
  recorder.recordStep([1, 1], env.step([1, 1]));
  const replay = recorder.finish({ winner: 0, end_reason: "timeout", faulted_player: 1, fault_detail: "no answer within 61 s" });
  assert.equal(replay.steps[1].status, ["done", "timeout"]);
  assert.is(replay.result.winner, 0);
  assert.is(replay.result.fault_detail, "no answer within 61 s");
  assert.equal(replay.result.scores, [0, 0]);
  assert.is(replay.players[1].name, "player 1");
  loadReplay(replay);
});

test("winnerByRewards: the unique largest total wins, ties are draws", () => {
  assert.is(winnerByRewards([1, -1]), 0);
  assert.is(winnerByRewards([-3, 2]), 1);
  assert.is(winnerByRewards([0, 0]), null);
  assert.is(winnerByRewards([2, 2, 1]), null);
  assert.is(winnerByRewards([1, 3, 3]), null);
});

test("recorder misuse is reported", () => {
  const env = make("pong");
  const recorder = new ReplayRecorder(env);
  assert.throws(() => recorder.recordStep([1, 1], { observations: [], rewards: [0, 0], terminated: false, truncated: false, info: {} }), /call recordReset first/);
  assert.throws(() => recorder.finish(), /nothing was recorded/);
});

test("loadReplay names the offending field for each kind of damage", () => {
  const good = pongReplay();
  const broken: Array<[string, (r: any) => void, RegExp]> = [
    ["schema_version", (r) => (r.schema_version = 99), /schema_version: this rl-arena-env reads replay schema 1 \(frames\) and 2 \(compact: actions re-simulated\), got 99; a newer rl-arena-env may read it/],
    ["environment.id", (r) => (r.environment.id = ""), /environment\.id: expected a non-empty string/],
    ["seed", (r) => (r.seed = 1.5), /seed: expected an integer or null, got 1.5/],
    ["players", (r) => (r.players = []), /players: expected at least one player/],
    ["players[1].name", (r) => delete r.players[1].name, /players\[1\]\.name: expected a non-empty string, got nothing/],
    ["steps[3].step", (r) => (r.steps[3].step = 4), /steps\[3\]\.step: expected 3/],
    ["steps[2].actions", (r) => r.steps[2].actions.pop(), /steps\[2\]\.actions: expected 2 entries/],
    ["steps[5].rewards[1]", (r) => (r.steps[5].rewards[1] = "1"), /steps\[5\]\.rewards\[1\]: expected a finite number, got "1"/],
    ["steps[0].status[0]", (r) => (r.steps[0].status[0] = "sleeping"), /steps\[0\]\.status\[0\]: expected one of active, inactive/],
    ["steps[7].render", (r) => delete r.steps[7].render, /steps\[7\]\.render: missing/],
    ["steps[7].info", (r) => (r.steps[7].info = null), /steps\[7\]\.info: expected an object, got null/],
    ["result.winner", (r) => (r.result.winner = 2), /result\.winner: expected a player index 0-1 or null/],
    ["result.total_steps", (r) => (r.result.total_steps = 10), /result\.total_steps: expected 50/],
    ["ended_at", (r) => (r.ended_at = "yesterday"), /ended_at: expected an ISO 8601 timestamp/],
  ];
  for (const [path, damage, message] of broken) {
    const copy = JSON.parse(JSON.stringify(good));
    damage(copy);
    try {
      loadReplay(copy);
      assert.unreachable(`${path} damage was accepted`);
    } catch (error) {
      assert.instance(error, ReplayValidationError, path);
      assert.is((error as ReplayValidationError).path, path);
      assert.match((error as Error).message, message);
    }
  }
  assert.throws(() => loadReplay("{not json"), /Invalid replay at \(root\): not valid JSON/);
  assert.throws(() => loadReplay([]), /\(root\): expected an object/);
});

test("renderReplayHtml makes one self-contained file that embeds the replay and the player", () => {
  const replay = pongReplay();
  replay.players[0].name = "</script><b>x</b>";
  const html = renderReplayHtml(replay);
  assert.ok(html.startsWith("<!doctype html>"));
  assert.not.match(html, /<script[^>]+src=/i, "no external scripts");
  assert.not.match(html, /<link[^>]+href=/i, "no external styles");
  assert.not.match(html, /https?:\/\//, "no network address at all");
  assert.is(html.split("</script>").length - 1, 3, "exactly three scripts, none broken by the embedded names");
  assert.match(html, "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt; vs Righty");
  const data = html.slice(html.indexOf('id="replay-data">') + 17, html.indexOf("</script>"));
  assert.equal(JSON.parse(data), replay);
  assert.ok(html.includes(playerBundleSource().slice(0, 200)), "the player bundle is inlined");
  assert.match(playerBundleSource(), /RlArenaPlayer/);
  assert.throws(() => renderReplayHtml({ ...replay, steps: [] }), /steps: expected at least frame 0/);
});

test.run();
