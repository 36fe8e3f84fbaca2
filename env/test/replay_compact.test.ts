/**
 * Compact replays (schema 2): for every environment, over many seeds, the compact form
 * re-simulates to exactly the frame replay it came from; the guard keeps the frames when it
 * would not; a compact replay of another environment version is refused by name.
 */
import { gzipSync } from "node:zlib";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  ReplayRecorder,
  ReplayValidationError,
  builtinAgents,
  builtinAgentsFor,
  compactReplay,
  listEnvironments,
  loadReplay,
  make,
  playEpisode,
  renderReplayHtml,
  storableReplay,
  type CompactReplay,
  type Replay,
} from "../src/index.ts";

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value));

function episode(env: string, seed: number, includeObservations = false): Replay {
  const agents = builtinAgentsFor(env);
  const a = agents[seed % agents.length]!;
  const b = agents[(seed + 1) % agents.length]!;
  const config = env === "pong" ? { max_steps: 200 + (seed % 5) * 50 } : {};
  return playEpisode({ env, config, seed, includeObservations, policies: [builtinAgents[a].act, builtinAgents[b].act], players: [{ name: a, agent_id: "a" }, { name: b }] });
}

test("every environment: the stored compact replay rebuilds the frame replay exactly, over 30 seeds", () => {
  const envs = listEnvironments().map((e) => e.id);
  assert.ok(envs.length >= 3, envs.join());
  for (const env of envs) {
    for (let seed = 1; seed <= 30; seed++) {
      const full = episode(env, seed, seed % 7 === 0);
      const stored = roundTrip(storableReplay(full));
      assert.is(stored.schema_version, 2, `${env} seed ${seed} is stored compact`);
      assert.not.ok("steps" in stored, "no frames in the compact form");
      assert.equal(loadReplay(stored), roundTrip(full), `${env} seed ${seed}`);
      assert.equal(loadReplay(JSON.stringify(stored)), roundTrip(full), "from JSON text too");
    }
  }
});

test("a fault ending (statuses of the last frame, fault detail) survives the compact form", () => {
  const env = make("connect-four");
  const recorder = new ReplayRecorder(env, { seed: 4, players: [{ name: "A" }, { name: "B" }] });
  recorder.recordReset(env.reset({ seed: 4 }));
  for (const col of [3, 3, 4]) {
    const actions = env.activePlayers()[0] === 0 ? [col, null] : [null, col];
    recorder.recordStep(actions, env.step(actions));
  }
  const full = recorder.finish({ winner: 0, end_reason: "timeout", faulted_player: 1, faulted_players: [1], fault_detail: "step 3: no answer within 1.000 s" });
  assert.equal(full.steps[3].status, ["done", "timeout"]);
  const stored = roundTrip(storableReplay(full));
  assert.is(stored.schema_version, 2);
  assert.equal(loadReplay(stored), roundTrip(full));
});

test("the guard stores the frames when re-simulating does not give the recorded replay", () => {
  // No seed: the reset draws a random serve, which the actions alone cannot reproduce.
  const env = make("pong", { config: { max_steps: 100 } });
  const recorder = new ReplayRecorder(env, { seed: null });
  recorder.recordReset(env.reset());
  for (let i = 0; i < 100; i++) recorder.recordStep([1, 1], env.step([1, 1]));
  const unseeded = recorder.finish();
  assert.is(storableReplay(unseeded), unseeded, "an unseeded replay keeps its frames");
  // Frames another build of the game drew (here: one render state changed).
  const other = episode("pong", 3);
  (other.steps[40].render as { ball: { x: number } }).ball.x = 0.123;
  assert.is(storableReplay(other), other, "frames the code does not reproduce are kept");
  // An environment this package does not know cannot be re-simulated.
  const unknown = { ...episode("tic-tac-toe", 2), environment: { id: "go", version: "1.0.0", config: {} } };
  assert.is(storableReplay(unknown), unknown);
});

test("a compact replay of another environment version, or of an unknown environment, is refused by name", () => {
  const compact = roundTrip(compactReplay(episode("pong", 5))) as CompactReplay;
  const check = (doc: unknown, path: string, message: RegExp) => {
    try {
      loadReplay(doc);
      assert.unreachable(`${path} accepted`);
    } catch (error) {
      assert.instance(error, ReplayValidationError);
      assert.is((error as ReplayValidationError).path, path);
      assert.match((error as Error).message, message);
    }
  };
  check({ ...compact, environment: { ...compact.environment, version: "1.1.0" } }, "environment.version",
    /recorded on pong 1\.1\.0; rebuilding its frames needs exactly that version, and this rl-arena-env has pong 1\.0\.0/);
  check({ ...compact, environment: { ...compact.environment, id: "go" } }, "environment.id", /needs the environment "go"/);
  check({ ...compact, actions: compact.actions.slice(0, 10).concat([[1]]) }, "actions[10]", /expected 2 entries/);
  const early = episode("tic-tac-toe", 3);
  const extra = roundTrip(compactReplay(early));
  extra.actions.push([0, null]);
  check(extra, `actions[${early.steps.length - 2}]`, /the episode ended at step \d+ but \d+ steps were recorded/);
});

test("a 1000-step pong match: the stored compact replay is at least 20× smaller than the gzip of its frames", () => {
  const full = playEpisode({ env: "pong", config: { max_steps: 1000 }, seed: 5, policies: [builtinAgents["pong-tracker"].act, builtinAgents["pong-random"].act] });
  assert.is(full.steps.length, 1001);
  const frames = gzipSync(JSON.stringify(full)).length;
  const compact = gzipSync(JSON.stringify(storableReplay(full))).length;
  assert.ok(frames / compact >= 20, `frames ${frames} B gzip, compact ${compact} B gzip: ${(frames / compact).toFixed(1)}×`);
});

test("the HTML replay of a compact replay embeds the rebuilt frames", () => {
  const full = episode("pong", 8);
  const html = renderReplayHtml(compactReplay(full));
  const data = html.slice(html.indexOf('id="replay-data">') + 17, html.indexOf("</script>"));
  assert.equal(JSON.parse(data), roundTrip(full));
});

test.run();
