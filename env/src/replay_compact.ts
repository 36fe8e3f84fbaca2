/**
 * Compact replays (schema 2): a match stored as what determines it — environment id, version
 * and config, the seed, and every step's actions — instead of every frame. The frames are
 * rebuilt by playing the actions again on the same environment code, here or in the browser
 * (the player bundle includes the games). `storableReplay` keeps the compact form only when
 * re-simulating it gives back exactly the recorded replay, so a game that is not a pure
 * function of (config, seed, actions) is stored with its frames.
 *
 * `loadReplay` reads both schemas and always returns the frame replay (schema 1).
 */
import { ReplayValidationError } from "./errors.ts";
import { getDefinition, make } from "./registry.ts";
import { REPLAY_SCHEMA_VERSION, ReplayRecorder, validateFrameReplay, type Replay, type ReplayPlayer, type ReplayResult } from "./replay.ts";

export const COMPACT_REPLAY_SCHEMA_VERSION = 2;
/** The replay schemas this package reads, with what each holds (for messages). */
export const KNOWN_REPLAY_SCHEMAS: Readonly<Record<number, string>> = { [REPLAY_SCHEMA_VERSION]: "frames", [COMPACT_REPLAY_SCHEMA_VERSION]: "compact: actions re-simulated" };

export interface CompactReplay {
  schema_version: typeof COMPACT_REPLAY_SCHEMA_VERSION;
  environment: { id: string; version: string; config: Record<string, unknown> };
  seed: number | null;
  players: ReplayPlayer[];
  /** actions[i] are the actions of step i + 1 (one entry per player, null when it waited). */
  actions: unknown[][];
  /** Present (true) when the frame replay carried every frame's observations. */
  observations?: true;
  result: ReplayResult;
  started_at: string;
  ended_at: string;
}

/** Whether `doc` claims to be a compact replay (schema 2); it is validated when expanded. */
export function isCompactReplay(doc: unknown): doc is CompactReplay {
  return typeof doc === "object" && doc !== null && (doc as { schema_version?: unknown }).schema_version === COMPACT_REPLAY_SCHEMA_VERSION;
}

/** The compact form of a frame replay; no check that it re-simulates (see storableReplay). */
export function compactReplay(replay: Replay): CompactReplay {
  const { steps, schema_version: _schema, ...rest } = replay;
  const compact: CompactReplay = { schema_version: COMPACT_REPLAY_SCHEMA_VERSION, ...rest, actions: steps.slice(1).map((s) => s.actions) };
  if (steps.some((s) => s.observations !== undefined)) compact.observations = true;
  return compact;
}

/**
 * Rebuilds the frame replay by playing the recorded actions on a fresh environment. Throws
 * ReplayValidationError when it cannot: an unknown environment, another version of it than
 * the recorded one, or actions that do not fit (the episode ends early or not at all).
 */
export function expandReplay(compact: CompactReplay): Replay {
  const env = compactEnvironment(compact);
  const actions = compact.actions;
  const recorder = new ReplayRecorder(env, { seed: compact.seed, players: compact.players, includeObservations: compact.observations === true });
  recorder.recordReset(env.reset(compact.seed === null ? {} : { seed: compact.seed }));
  actions.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== env.numPlayers) {
      throw new ReplayValidationError(`actions[${i}]`, `expected ${env.numPlayers} entries (one per player), got ${JSON.stringify(row)?.slice(0, 60)}`);
    }
    let result;
    try {
      result = env.step(row);
    } catch (error) {
      throw new ReplayValidationError(`actions[${i}]`, `re-simulating step ${i + 1} failed: ${(error as Error).message}`);
    }
    recorder.recordStep(row, result);
    const done = result.terminated || result.truncated;
    if (done && i < actions.length - 1) throw new ReplayValidationError(`actions[${i}]`, `the episode ended at step ${i + 1} but ${actions.length} steps were recorded`);
  });
  const { schema_version: _schema, actions: _actions, observations: _observations, environment, seed, players, result, started_at, ended_at, ...extra } = compact;
  const full = recorder.finish({ ...result });
  return { schema_version: REPLAY_SCHEMA_VERSION, environment, seed, players, steps: full.steps, result: full.result, started_at, ended_at, ...extra };
}

function compactEnvironment(compact: CompactReplay) {
  const environment = compact.environment as Partial<CompactReplay["environment"]> | undefined;
  if (typeof environment?.id !== "string" || typeof environment.version !== "string") {
    throw new ReplayValidationError("environment", "expected {id, version, config}");
  }
  if (!Array.isArray(compact.actions)) throw new ReplayValidationError("actions", `expected an array (one entry per step), got ${JSON.stringify(compact.actions)?.slice(0, 60)}`);
  let have: string;
  try {
    have = getDefinition(environment.id).version;
  } catch {
    throw new ReplayValidationError("environment.id", `this compact replay needs the environment ${JSON.stringify(environment.id)} to rebuild its frames, and this rl-arena-env does not have it`);
  }
  if (have !== environment.version) {
    throw new ReplayValidationError("environment.version", `this compact replay was recorded on ${environment.id} ${environment.version}; rebuilding its frames needs exactly that version, and this rl-arena-env has ${environment.id} ${have}`);
  }
  try {
    return make(environment.id, { config: environment.config ?? {} });
  } catch (error) {
    throw new ReplayValidationError("environment.config", (error as Error).message);
  }
}

/**
 * What to store for a finished match: its compact form when playing it again reproduces the
 * replay exactly (frames, statuses, result), otherwise the frame replay itself.
 */
export function storableReplay(replay: Replay): Replay | CompactReplay {
  try {
    const compact = compactReplay(replay);
    if (sameJson(expandReplay(JSON.parse(JSON.stringify(compact))), JSON.parse(JSON.stringify(replay)))) return compact;
  } catch {
    // not a frame replay, or an environment that cannot rebuild it: keep it as it is
  }
  return replay;
}

/**
 * Parses (if given a string) and validates a replay of either schema; a compact one is
 * re-simulated. Returns the frame replay; throws ReplayValidationError naming the field.
 */
export function loadReplay(input: unknown): Replay {
  let doc = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input);
    } catch (error) {
      throw new ReplayValidationError("(root)", `not valid JSON (${(error as Error).message})`);
    }
  }
  const schema = (doc as { schema_version?: unknown } | null)?.schema_version;
  if (typeof doc === "object" && doc !== null && !Array.isArray(doc) && !(typeof schema === "number" && schema in KNOWN_REPLAY_SCHEMAS)) {
    throw new ReplayValidationError("schema_version", `this rl-arena-env reads replay schema ${Object.entries(KNOWN_REPLAY_SCHEMAS).map(([v, what]) => `${v} (${what})`).join(" and ")}, got ${JSON.stringify(schema) ?? "nothing"}; a newer rl-arena-env may read it`);
  }
  return validateFrameReplay(isCompactReplay(doc) ? expandReplay(doc) : doc);
}

/** Equal as JSON values, whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => sameJson(v, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
