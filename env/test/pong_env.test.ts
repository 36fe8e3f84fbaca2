/**
 * Pong 1.0.0, cases computed by hand from SPEC §1.2. Randomness is injected with SequenceRng,
 * which throws when the game draws more than the case expects, so every draw is accounted for.
 * Serve draws: angle = -π/4 + (π/2)·r (r = 0.5 gives angle 0), then direction (+1 when r < 0.5).
 * Paddle-hit draw: nudge = -0.01 + 0.02·r (r = 0.75 gives +0.005, r = 0.5 gives 0).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  EpisodeFinishedError,
  EpisodeNotStartedError,
  InvalidActionError,
  InvalidConfigError,
  InvalidSeedError,
  SequenceRng,
  WrongActionCountError,
  make,
  type Environment,
} from "../src/index.ts";

const f = Math.fround;
const SPEED = f(0.02);

function pong(draws: number[], config: Record<string, unknown> = {}): { env: Environment; rng: SequenceRng } {
  const rng = new SequenceRng(draws);
  const env = make("pong", { config, rng });
  return { env, rng };
}

/** Plays `actions` and returns the observation of player 0 after each step (index 0 = reset). */
function play(env: Environment, actions: number[][]): number[][] {
  const out = [env.reset().observations[0] as number[]];
  for (const a of actions) out.push(env.step(a).observations[0] as number[]);
  return out;
}
const repeat = (a: number[], n: number) => Array.from({ length: n }, () => a);

test("the reset state matches the original's documented example for seed 42 (NumPy's first two draws)", () => {
  // original-system.md §7.1: reset obs [0.5, 0.5, 0.018176571, 0.008343400, 0.5, 0.5, 0, 0];
  // after one STAY/STAY step the ball is at (0.5181766, 0.5083434).
  const { env } = pong([0.7739560485559633, 0.4388784397520523]);
  const reset = env.reset();
  const obs = reset.observations[0] as number[];
  const documented = [0.5, 0.5, 0.018176571, 0.0083434, 0.5, 0.5, 0, 0];
  documented.forEach((v, i) => assert.ok(Math.abs(obs[i] - v) < 5e-10, `obs[${i}] = ${obs[i]}, documented ${v}`));
  obs.forEach((v) => assert.is(f(v), v, "observations are float32 values"));
  assert.equal(reset.observations[1], reset.observations[0]);
  assert.is.not(reset.observations[1], reset.observations[0], "each player gets its own array");
  const step = env.step([1, 1]);
  const ball = (step.observations[0] as number[]).slice(0, 2);
  assert.ok(Math.abs(ball[0] - 0.5181766) < 5e-8 && Math.abs(ball[1] - 0.5083434) < 5e-8, `ball at ${ball}`);
  assert.equal(step.rewards, [0, 0]);
});

test("the serve draws the angle first and the direction second", () => {
  const right = pong([0.5, 0.2]).env.reset().observations[0] as number[];
  assert.equal(right.slice(0, 4), [0.5, 0.5, SPEED, 0], "angle 0, direction +1");
  const left = pong([0.5, 0.7]).env.reset().observations[0] as number[];
  assert.equal(left.slice(0, 4), [0.5, 0.5, -SPEED, 0], "angle 0, direction -1");
  // Swapping the two draws changes the serve: angle from 0.2, direction from 0.5 (not < 0.5 → -1).
  const swapped = pong([0.2, 0.5]).env.reset().observations[0] as number[];
  const angle = -Math.PI / 4 + (Math.PI / 2) * 0.2;
  assert.equal(swapped.slice(2, 4), [f(-1 * 0.02 * Math.cos(angle)), f(0.02 * Math.sin(angle))]);
});

test("the right paddle returns a centred ball on step 22 and nudges vy by the uniform draw", () => {
  // Setup: ball flies right along y = 0.5. x_k = 0.5 + k·0.02 in float32: x_21 ≈ 0.92 (0.92 + r < 0.95),
  // x_22 ≈ 0.94 (0.94 + 0.02 ≥ 0.95) and |0.5 − 0.5| ≤ 0.1 → hit; draw 0.75 → vy = f(−0.01 + 0.02·0.75).
  const { env, rng } = pong([0.5, 0.2, 0.75]);
  const obs = play(env, repeat([1, 1], 23));
  assert.equal(obs[21].slice(2, 4), [SPEED, 0], "no hit on step 21");
  assert.equal(rng.used, 3, "exactly one paddle draw");
  assert.equal(obs[22][0], 0.9399995803833008, "x after 22 float32 additions (same value from NumPy)");
  assert.equal(obs[22].slice(2, 4), [-SPEED, f(-0.01 + 0.02 * 0.75)]);
  assert.equal(obs[23][0], f(obs[22][0] - SPEED), "the ball now moves left");
  assert.equal(obs[23][1], f(0.5 + f(0.005)), "and down by the nudge");
});

test("the left paddle returns the ball with +|vx| and nudges vy", () => {
  // Mirror image: x_22 ≈ 0.06, 0.06 − 0.02 ≤ 0.05 → hit; draw 0.25 → nudge −0.005.
  const { env, rng } = pong([0.5, 0.7, 0.25]);
  const obs = play(env, repeat([1, 1], 23));
  assert.equal(obs[21].slice(2, 4), [-SPEED, 0]);
  assert.equal(obs[22].slice(2, 4), [SPEED, f(-0.01 + 0.02 * 0.25)]);
  assert.ok(obs[23][0] > obs[22][0]);
  assert.equal(rng.used, 3);
});

test("a ball that misses the paddle scores for the other side and is served again", () => {
  // Setup: player 1 holds UP, its paddle reaches 0 after 10 steps, the centred ball passes it.
  // x_25 = 0.99999952 (< 1, float32 drift), so the point comes on step 26.
  const { env, rng } = pong([0.5, 0.2, 0.5, 0.7]);
  env.reset();
  let last = env.step([1, 0]);
  for (let step = 2; step <= 25; step++) last = env.step([1, 0]);
  assert.equal((last.observations[0] as number[])[0], 0.9999995231628418);
  assert.equal(last.rewards, [0, 0]);
  assert.equal(rng.used, 2, "no paddle draw when the ball passes a paddle at y = 0");
  const point = env.step([1, 0]);
  assert.equal(point.rewards, [1, -1]);
  assert.equal(point.observations[0], [0.5, 0.5, -SPEED, 0, 0.5, 0, 1, 0], "served to the left (draws 0.5, 0.7)");
  assert.equal(point.info, { scores: [1, 0], ball_pos: [0.5, 0.5], paddle_positions: [0.5, 0] });
  assert.is(point.terminated, false);
  assert.equal(rng.used, 4);
});

test("the ball bounces off the bottom wall: y is clamped to 1 and vy flips", () => {
  // Setup: steep serve (r = 0.999 → angle ≈ 44.9°); player 1 moves down to 0.95 to return it on
  // step 31 (nudge draw 0.5 → 0); y passes 1 on step 36.
  const { env, rng } = pong([0.999, 0.2, 0.5]);
  const obs = play(env, [...repeat([1, 2], 9), ...repeat([1, 1], 28)]);
  assert.equal(rng.used, 3);
  assert.equal(obs[31][2], -obs[30][2], "returned on step 31");
  assert.ok(obs[35][1] < 1 && obs[35][3] > 0);
  assert.is(obs[36][1], 1);
  assert.is(obs[36][3], -obs[35][3]);
  assert.is(obs[37][1], f(1 + obs[36][3]));
});

test("the ball bounces off the top wall: y is clamped to 0 and vy flips", () => {
  const { env, rng } = pong([0.001, 0.2, 0.5]);
  const obs = play(env, [...repeat([1, 0], 9), ...repeat([1, 1], 28)]);
  assert.equal(rng.used, 3);
  assert.ok(obs[35][1] > 0 && obs[35][3] < 0);
  assert.is(obs[36][1], 0);
  assert.is(obs[36][3], -obs[35][3]);
  assert.is(obs[37][1], f(0 + obs[36][3]));
});

test("paddles move by paddle_speed in double precision and stop at 0 and 1", () => {
  const { env } = pong([0.5, 0.2]);
  env.reset();
  let r = env.step([0, 2]);
  r = env.step([0, 2]);
  r = env.step([0, 2]);
  const up = 0.5 - 0.05 - 0.05 - 0.05;
  const down = 0.5 + 0.05 + 0.05 + 0.05;
  assert.equal(r.info.paddle_positions, [up, down]);
  assert.equal((r.observations[0] as number[]).slice(4, 6), [f(up), f(down)]);
  for (let i = 0; i < 10; i++) r = env.step([0, 2]);
  assert.equal(r.info.paddle_positions, [0, 1]);
});

test("the episode is truncated at max_steps and cannot be stepped further", () => {
  const { env } = pong([0.5, 0.2], { max_steps: 5 });
  env.reset();
  for (let i = 1; i < 5; i++) assert.is(env.step([1, 1]).truncated, false);
  const last = env.step([1, 1]);
  assert.is(last.truncated, true);
  assert.is(last.terminated, false);
  assert.throws(() => env.step([1, 1]), (e: unknown) => e instanceof EpisodeFinishedError);
});

test("the episode terminates when a score reaches winning_score", () => {
  const { env } = pong([0.5, 0.2, 0.5, 0.7], { winning_score: 1 });
  env.reset();
  let r = env.step([1, 0]);
  for (let step = 2; step <= 26; step++) r = env.step([1, 0]);
  assert.is(r.terminated, true);
  assert.is(r.truncated, false);
  assert.equal(r.rewards, [1, -1]);
  assert.throws(() => env.step([1, 1]), (e: unknown) => e instanceof EpisodeFinishedError);
});

test("invalid actions are rejected with the player and the action, and change nothing", () => {
  const { env } = pong([0.5, 0.2]);
  env.reset();
  const before = JSON.stringify(env.renderState());
  for (const bad of [2.5, "1", 3, null, -1, Number.NaN, undefined, true, [1]]) {
    for (const player of [0, 1]) {
      const actions: unknown[] = [1, 1];
      actions[player] = bad;
      try {
        env.step(actions);
        assert.unreachable(`action ${String(bad)} for player ${player} was accepted`);
      } catch (error) {
        assert.instance(error, InvalidActionError);
        const e = error as InvalidActionError;
        assert.is(e.player, player);
        assert.ok(Object.is(e.action, bad));
        assert.match(e.message, `Player ${player}`);
        assert.is(e.code, "invalid_action");
      }
    }
  }
  assert.is(JSON.stringify(env.renderState()), before);
  assert.equal(env.step([1, 1]).rewards, [0, 0], "the episode goes on");
});

test("a wrong number of actions, or stepping before reset, is a typed error", () => {
  const { env } = pong([0.5, 0.2]);
  assert.throws(() => env.step([1, 1]), (e: unknown) => e instanceof EpisodeNotStartedError);
  env.reset();
  assert.throws(() => env.step([1]), (e: unknown) => e instanceof WrongActionCountError && e.expected === 2 && e.received === 1);
  assert.throws(() => env.step([1, 1, 1]), (e: unknown) => e instanceof WrongActionCountError);
  assert.throws(() => env.step(1 as unknown as unknown[]), (e: unknown) => e instanceof WrongActionCountError && e.received === null);
});

test("bad configuration values are rejected naming the key and the rule", () => {
  assert.throws(() => make("pong", { config: { paddle_sped: 1 } }), (e: unknown) => e instanceof InvalidConfigError && /paddle_sped.*known settings: width/.test(e.message));
  assert.throws(() => make("pong", { config: { winning_score: 1.5 } }), /winning_score must be an integer, got 1.5/);
  assert.throws(() => make("pong", { config: { winning_score: 101 } }), /winning_score must be at most 100/);
  assert.throws(() => make("pong", { config: { ball_speed: "fast" } }), /ball_speed must be a finite number, got "fast"/);
  assert.throws(() => make("pong", { config: { paddle_height: 0 } }), /paddle_height must be greater than 0/);
  assert.is(make("pong", { config: { max_steps: 10 } }).config.max_steps, 10);
  assert.is(make("pong", { config: { max_steps: 10 } }).config.paddle_height, 0.2, "defaults are merged in");
});

test("the same seed gives the same trajectory; another seed a different one", () => {
  const run = (seed: number) => {
    const env = make("pong");
    const frames = [JSON.stringify(env.reset({ seed }))];
    for (let i = 0; i < 300; i++) frames.push(JSON.stringify(env.step([i % 3, (i * 7) % 3])));
    return frames;
  };
  assert.equal(run(7), run(7));
  assert.not.equal(run(7)[0], run(8)[0]);
  assert.throws(() => make("pong").reset({ seed: 1.5 }), (e: unknown) => e instanceof InvalidSeedError);
  assert.throws(() => make("pong").reset({ seed: "1" as unknown as number }), (e: unknown) => e instanceof InvalidSeedError);
});

test("with an injected rng the reset seed is ignored", () => {
  const a = pong([0.5, 0.2]).env.reset({ seed: 1 }).observations[0];
  const b = pong([0.5, 0.2]).env.reset({ seed: 2 }).observations[0];
  assert.equal(a, b);
});

test("renderState holds the ball, paddles, sizes, scores and step", () => {
  const { env } = pong([0.5, 0.2]);
  env.reset();
  env.step([0, 1]);
  assert.equal(env.renderState(), {
    ball: { x: f(0.5 + SPEED), y: 0.5 },
    ball_radius: 0.02,
    paddles: [0.45, 0.5],
    paddle_height: 0.2,
    scores: [0, 0],
    step: 1,
  });
});

test.run();
