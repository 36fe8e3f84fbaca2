/**
 * The conformance suite every environment must pass: spaces, reset/step shapes, observations
 * in the observation space, JSON-safe info and render states, determinism with the same seed
 * (and with an injected rng), termination within maxSteps under random play, invalid actions
 * rejected without changing the state, and the typed lifecycle errors.
 *
 *   import { runConformance } from "rl-arena-env/conformance";
 *   const failures = runConformance("my-game");   // [] when everything passes
 */
import {
  EpisodeFinishedError,
  EpisodeNotStartedError,
  InvalidActionError,
  WrongActionCountError,
  formatValue,
} from "./errors.ts";
import { getDefinition } from "./registry.ts";
import { createRng, randomInt } from "./rng.ts";
import type { Environment, EnvironmentDefinition, Rng, StepResult } from "./types.ts";

export interface ConformanceFailure {
  /** Short name of the check, e.g. "determinism". */
  check: string;
  message: string;
}

export interface ConformanceOptions {
  /** Seeds of the random-play episodes. Default [1, 2, 3]. */
  seeds?: number[];
  /** Config overrides (merged over the defaults). */
  config?: Record<string, unknown>;
}

const JUNK_ACTIONS: unknown[] = [undefined, Number.NaN, "junk", { junk: true }, [[["junk"]]], Number.POSITIVE_INFINITY];

/**
 * Runs every check on a registered environment id or on a definition (not necessarily
 * registered). Returns the failures; an empty list means the environment conforms.
 */
export function runConformance(target: string | EnvironmentDefinition, options: ConformanceOptions = {}): ConformanceFailure[] {
  const failures: ConformanceFailure[] = [];
  let definition: EnvironmentDefinition;
  try {
    definition = typeof target === "string" ? getDefinition(target) : target;
  } catch (error) {
    return [{ check: "registry", message: errorText(error) }];
  }
  const config = { ...definition.defaultConfig, ...(options.config ?? {}) };
  const seeds = options.seeds ?? [1, 2, 3];
  const create = (rng?: Rng) => definition.create({ ...config }, rng);
  const check = (name: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      failures.push({ check: name, message: errorText(error) });
    }
  };

  check("definition", () => {
    const env = create();
    expect(env.id === definition.id, `env.id ${formatValue(env.id)} differs from the definition's id ${formatValue(definition.id)}`);
    expect(env.version === definition.version, `env.version ${formatValue(env.version)} differs from the definition's ${formatValue(definition.version)}`);
    expect(env.numPlayers === definition.numPlayers, `env.numPlayers ${env.numPlayers} differs from the definition's ${definition.numPlayers}`);
    const maxSteps = definition.maxSteps(config);
    expect(Number.isSafeInteger(maxSteps) && maxSteps > 0, `maxSteps(config) must be a positive integer, got ${formatValue(maxSteps)}`);
    JSON.stringify({ a: env.actionSpace.toJSON(), o: env.observationSpace.toJSON(), d: definition.defaultConfig });
  });

  check("spaces", () => {
    const env = create();
    const rng = createRng(99);
    for (const [name, space] of [["actionSpace", env.actionSpace], ["observationSpace", env.observationSpace]] as const) {
      for (let i = 0; i < 20; i++) {
        const x = space.sample(rng);
        expect(space.contains(x), `${name}.sample() returned ${formatValue(x)}, which ${name}.contains() rejects`);
      }
      for (const junk of JUNK_ACTIONS) expect(!space.contains(junk), `${name}.contains(${formatValue(junk)}) should be false`);
    }
  });

  check("lifecycle", () => {
    const env = create();
    expectThrow(() => env.step(new Array(env.numPlayers).fill(null)), EpisodeNotStartedError, "step() before reset()");
    env.reset({ seed: 1 });
    expectThrow(() => env.step([]), WrongActionCountError, "step([])");
    expectThrow(() => env.step(new Array(env.numPlayers + 1).fill(null)), WrongActionCountError, `step() with ${env.numPlayers + 1} actions`);
    expectThrow(() => env.step("junk" as unknown as unknown[]), WrongActionCountError, 'step("junk")');
  });

  for (const seed of seeds) {
    check(`random play (seed ${seed})`, () => {
      const env = create();
      const trajectory = play(env, seed, definition.maxSteps(config), (step, e) => {
        if (step === 0 || step === 3) checkInvalidActions(e, createRng(seed + step));
      });
      expectThrow(() => env.step(new Array(env.numPlayers).fill(null)), EpisodeFinishedError, "step() after the episode ended");
      expect(trajectory.length > 1, "the episode ended at reset");
    });

    check(`determinism (seed ${seed})`, () => {
      const maxSteps = definition.maxSteps(config);
      const a = play(create(), seed, maxSteps);
      const b = play(create(), seed, maxSteps);
      expectSame(a, b, "two environments with the same seed and actions");
      // reset must fully restart: a used environment replays the same trajectory
      const reused = create();
      play(reused, seed + 1000, maxSteps);
      expectSame(play(reused, seed, maxSteps), a, "a reused environment reset with the same seed");
      // with an injected rng, resets draw from it and ignore the seed
      const c = play(create(createRng(seed)), seed, maxSteps, undefined, 1);
      const d = play(create(createRng(seed)), seed, maxSteps, undefined, 2);
      expectSame(c, d, "two environments with identically seeded injected rngs (different reset seeds)");
    });
  }
  return failures;
}

/** Runs the suite and throws one Error listing every failure (for any test framework). */
export function assertConformance(target: string | EnvironmentDefinition, options: ConformanceOptions = {}): void {
  const failures = runConformance(target, options);
  if (failures.length) {
    const id = typeof target === "string" ? target : target.id;
    throw new Error(`${id} fails ${failures.length} conformance check(s):\n${failures.map((f) => `- ${f.check}: ${f.message}`).join("\n")}`);
  }
}

/**
 * Plays one episode with random valid actions (chosen from an rng seeded by `seed`),
 * checking every reset/step result's shape, and returns the serialized frames.
 */
function play(env: Environment, seed: number, maxSteps: number, visit?: (step: number, env: Environment) => void, resetSeed = seed): string[] {
  const n = env.numPlayers;
  const reset = env.reset({ seed: resetSeed });
  checkObservations(env, reset.observations, "reset()");
  checkJsonObject(reset.info, "reset().info");
  const frames = [serialize(env, reset.observations, null, reset.info)];
  const policy = createRng(seed * 7919 + 17);
  for (let step = 0; ; step++) {
    visit?.(step, env);
    if (step >= maxSteps) throw new Error(`the episode did not end within maxSteps = ${maxSteps} steps of random play`);
    const active = checkActivePlayers(env);
    const actions = Array.from({ length: n }, (_, p) => (active.includes(p) ? randomValidAction(env, p, policy) : null));
    const result = env.step(actions);
    const at = `step ${step + 1}`;
    checkObservations(env, result.observations, at);
    expect(Array.isArray(result.rewards) && result.rewards.length === n, `${at}: rewards must be an array of ${n} numbers, got ${formatValue(result.rewards)}`);
    result.rewards.forEach((r, p) => expect(typeof r === "number" && Number.isFinite(r), `${at}: rewards[${p}] is ${formatValue(r)}, not a finite number`));
    expect(typeof result.terminated === "boolean" && typeof result.truncated === "boolean", `${at}: terminated and truncated must be booleans`);
    checkJsonObject(result.info, `${at}: info`);
    frames.push(serialize(env, result.observations, result, result.info));
    if (result.terminated || result.truncated) return frames;
  }
}

function randomValidAction(env: Environment, player: number, rng: Rng): unknown {
  const legal = env.legalActions?.(player);
  if (legal && legal.length > 0) return legal[randomInt(rng, legal.length)];
  return env.actionSpace.sample(rng);
}

/** Junk actions, illegal in-space actions and non-null actions of inactive players must all be rejected, changing nothing. */
function checkInvalidActions(env: Environment, rng: Rng): void {
  const n = env.numPlayers;
  const active = env.activePlayers();
  const before = JSON.stringify(env.renderState());
  const base = () => Array.from({ length: n }, (_, p) => (active.includes(p) ? randomValidAction(env, p, rng) : null));
  const attempts: Array<{ player: number; action: unknown; what: string }> = [];
  for (const player of active) {
    for (const junk of [...JUNK_ACTIONS, null]) attempts.push({ player, action: junk, what: "an action outside the action space" });
    const legal = env.legalActions?.(player);
    if (legal) {
      for (let i = 0; i < 50; i++) {
        const x = env.actionSpace.sample(rng);
        if (!legal.some((l) => JSON.stringify(l) === JSON.stringify(x))) {
          attempts.push({ player, action: x, what: "an illegal action (not in legalActions)" });
          break;
        }
      }
    }
  }
  for (let player = 0; player < n; player++) {
    if (!active.includes(player)) attempts.push({ player, action: env.actionSpace.sample(rng), what: "a non-null action of an inactive player" });
  }
  for (const { player, action, what } of attempts) {
    const actions = base();
    actions[player] = action;
    let error: unknown = null;
    try {
      env.step(actions);
    } catch (e) {
      error = e;
    }
    if (!(error instanceof InvalidActionError)) {
      throw new Error(`player ${player} sending ${what}, ${formatValue(action)}, should throw InvalidActionError, ${error ? `threw ${errorText(error)}` : "but the step was accepted"}`);
    }
    expect(error.player === player, `InvalidActionError.player is ${error.player} for an invalid action of player ${player}`);
    expect(JSON.stringify(env.renderState()) === before, `a rejected step (player ${player}, ${formatValue(action)}) changed the render state`);
  }
}

function checkActivePlayers(env: Environment): number[] {
  const active = env.activePlayers();
  expect(Array.isArray(active), "activePlayers() must return an array");
  const seen = new Set<number>();
  for (const p of active) {
    expect(Number.isInteger(p) && p >= 0 && p < env.numPlayers && !seen.has(p), `activePlayers() returned ${formatValue(active)}: entries must be distinct player indices`);
    seen.add(p);
  }
  expect(active.length > 0, "activePlayers() is empty while the episode is running");
  return active;
}

function checkObservations(env: Environment, observations: unknown[], at: string): void {
  expect(Array.isArray(observations) && observations.length === env.numPlayers, `${at}: observations must be an array of ${env.numPlayers}, got ${formatValue(observations)}`);
  observations.forEach((o, p) => expect(env.observationSpace.contains(o), `${at}: observation of player ${p}, ${formatValue(o)}, is not in the observation space`));
}

function checkJsonObject(value: unknown, what: string): void {
  expect(typeof value === "object" && value !== null && !Array.isArray(value), `${what} must be a plain object, got ${formatValue(value)}`);
  expectJsonSafe(value, what);
}

function expectJsonSafe(value: unknown, what: string): void {
  const text = JSON.stringify(value);
  expect(text !== undefined && JSON.stringify(JSON.parse(text)) === text, `${what} is not JSON-safe`);
  const walk = (v: unknown, path: string): void => {
    if (typeof v === "number") expect(Number.isFinite(v), `${what}${path} is ${v}, which JSON cannot hold`);
    else if (v === undefined || typeof v === "function" || typeof v === "bigint" || typeof v === "symbol") throw new Error(`${what}${path} holds ${typeof v}, which JSON cannot hold`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (ArrayBuffer.isView(v)) throw new Error(`${what}${path} is a typed array; use plain arrays in JSON-safe state`);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(value, "");
}

function serialize(env: Environment, observations: unknown[], result: StepResult | null, info: unknown): string {
  const render = env.renderState();
  expectJsonSafe(render, "renderState()");
  return JSON.stringify({
    observations: observations.map((o) => (ArrayBuffer.isView(o) ? Array.from(o as unknown as ArrayLike<number>) : o)),
    rewards: result?.rewards ?? null,
    terminated: result?.terminated ?? null,
    truncated: result?.truncated ?? null,
    info,
    render,
    active: result && (result.terminated || result.truncated) ? [] : env.activePlayers(),
  });
}

function expectSame(a: string[], b: string[], what: string): void {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) throw new Error(`${what} diverged at frame ${i}: ${(a[i] ?? "(ended)").slice(0, 200)} vs ${(b[i] ?? "(ended)").slice(0, 200)}`);
  }
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function expectThrow(fn: () => unknown, type: new (...args: never[]) => Error, what: string): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return;
    throw new Error(`${what} should throw ${type.name}, threw ${errorText(error)}`);
  }
  throw new Error(`${what} should throw ${type.name}, but returned`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
}
