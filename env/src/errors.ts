/**
 * Typed errors of rl-arena-env. Every error extends RlArenaEnvError and carries a stable
 * `code`, so callers (the referee, the platform, the CLI) can map them once.
 */

/** Base class of every error thrown by rl-arena-env. */
export class RlArenaEnvError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `make`/`describe` was given an id that is not registered. */
export class UnknownEnvironmentError extends RlArenaEnvError {
  readonly environmentId: string;
  readonly available: string[];
  constructor(id: string, available: string[]) {
    super(
      "unknown_environment",
      `Environment ${JSON.stringify(id)} is not registered. Available environments: ${available.length ? available.join(", ") : "(none)"}`,
    );
    this.environmentId = id;
    this.available = available;
  }
}

/** `register` was given an id that is already registered (pass `{ replace: true }` to override). */
export class DuplicateEnvironmentError extends RlArenaEnvError {
  readonly environmentId: string;
  constructor(id: string) {
    super("duplicate_environment", `Environment ${JSON.stringify(id)} is already registered`);
    this.environmentId = id;
  }
}

/** A definition passed to `register` is malformed. */
export class InvalidDefinitionError extends RlArenaEnvError {
  constructor(message: string) {
    super("invalid_definition", message);
  }
}

/** A configuration value passed to `make` was rejected. */
export class InvalidConfigError extends RlArenaEnvError {
  readonly environmentId: string;
  readonly key: string;
  constructor(id: string, key: string, message: string) {
    super("invalid_config", `${id}: config.${key} ${message}`);
    this.environmentId = id;
    this.key = key;
  }
}

/** A reset seed that is not a safe integer. */
export class InvalidSeedError extends RlArenaEnvError {
  readonly seed: unknown;
  constructor(seed: unknown) {
    super("invalid_seed", `seed must be a safe integer (|seed| ≤ 2^53 − 1), got ${formatValue(seed)}`);
    this.seed = seed;
  }
}

/** A player's action is not allowed: outside the action space, illegal in this state, or non-null while not active. */
export class InvalidActionError extends RlArenaEnvError {
  readonly player: number;
  readonly action: unknown;
  readonly reason: string;
  constructor(player: number, action: unknown, reason: string) {
    super("invalid_action", `Player ${player} sent an invalid action ${formatValue(action)}: ${reason}`);
    this.player = player;
    this.action = action;
    this.reason = reason;
  }
}

/** `step` was called after the episode terminated or was truncated. */
export class EpisodeFinishedError extends RlArenaEnvError {
  constructor(id: string) {
    super("episode_finished", `${id}: the episode has finished; call reset() to start a new one`);
  }
}

/** `step` was called before the first `reset`. */
export class EpisodeNotStartedError extends RlArenaEnvError {
  constructor(id: string) {
    super("episode_not_started", `${id}: no episode in progress; call reset() before step()`);
  }
}

/** `step` was given an actions array of the wrong length (or not an array). */
export class WrongActionCountError extends RlArenaEnvError {
  readonly expected: number;
  readonly received: number | null;
  constructor(id: string, expected: number, actions: unknown) {
    const received = Array.isArray(actions) ? actions.length : null;
    super(
      "wrong_action_count",
      received === null
        ? `${id}: step() expects an array of ${expected} actions (one per player, null for inactive players), got ${formatValue(actions)}`
        : `${id}: step() expects ${expected} actions (one per player, null for inactive players), got ${received}`,
    );
    this.expected = expected;
    this.received = received;
  }
}

/** A replay JSON document failed validation in `loadReplay`. `path` points at the offending field. */
export class ReplayValidationError extends RlArenaEnvError {
  readonly path: string;
  constructor(path: string, message: string) {
    super("invalid_replay", `Invalid replay at ${path}: ${message}`);
    this.path = path;
  }
}

/** Short, unambiguous rendering of a value for error messages ("1" vs 1, NaN, undefined). */
export function formatValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
