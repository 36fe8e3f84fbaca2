/**
 * The contract shared by every part of rl-arena-env (games, referee, replay, CLI) and by the
 * platform. Keep it small: a game is plain data plus pure functions, with no I/O.
 */

/** Source of randomness: `random()` in [0, 1). `uniform(a, b)` means `a + (b - a) * random()`. */
export interface Rng {
  random(): number;
}

/** JSON form of a space, used by descriptions and web pages. */
export type SpaceJson =
  | { type: "discrete"; n: number }
  | { type: "box"; low: number[]; high: number[]; shape: number[]; dtype: "float32" | "int32" | "int8" }
  | { type: "dict"; spaces: Record<string, SpaceJson> };

export interface Space<T = unknown> {
  /** True when `x` is a member of the space (e.g. an integer 0..n-1 for Discrete). */
  contains(x: unknown): x is T;
  /** A uniformly random member, drawn from `rng`. */
  sample(rng: Rng): T;
  toJSON(): SpaceJson;
}

export interface ResetResult {
  /** One observation per player (index = player / seat). */
  observations: unknown[];
  info: Record<string, unknown>;
}

export interface StepResult {
  observations: unknown[];
  /** One reward per player for this step. */
  rewards: number[];
  terminated: boolean;
  truncated: boolean;
  info: Record<string, unknown>;
}

/** A live, stateful environment made by `make(id, options)`. */
export interface Environment {
  readonly id: string;
  readonly version: string;
  readonly numPlayers: number;
  /** The effective configuration (defaults shallow-merged with what was passed to make). */
  readonly config: Record<string, unknown>;
  readonly actionSpace: Space;
  readonly observationSpace: Space;
  /** Starts an episode. With an injected rng, `seed` is ignored and draws come from that rng. */
  reset(options?: { seed?: number }): ResetResult;
  /**
   * Advances one step. `actions[i]` is player i's action, `null` for a player who is not
   * active this step. Throws InvalidActionError (with `.player`) for an invalid action,
   * EpisodeFinishedError after the end, WrongActionCountError for a wrong array length.
   */
  step(actions: unknown[]): StepResult;
  /** Players who must act on the next step (every player in simultaneous games). */
  activePlayers(): number[];
  /** JSON-safe state for replays and renderers. */
  renderState(): unknown;
  /**
   * Optional: the legal actions of `player` in the current state (turn-based games). Used by
   * the conformance suite and random policies; an inactive player has none.
   */
  legalActions?(player: number): unknown[];
}

/** Options of `make(id, options)`. */
export interface MakeOptions {
  /** Shallow-merged over the environment's defaults; unknown keys are rejected. */
  config?: Record<string, unknown>;
  /** Inject the randomness (tests, replays of recorded draws); resets then ignore seeds. */
  rng?: Rng;
}

/**
 * What `register` takes: plain data plus a factory. `create` receives the merged config
 * (defaults + overrides, already checked for unknown keys) and the injected rng, if any.
 */
export interface EnvironmentDefinition {
  id: string;
  /** Semantic version; bump it whenever trajectories change. */
  version: string;
  name: string;
  numPlayers: number;
  turnBased: boolean;
  rules: string;
  actionMeaning: string[];
  observationMeaning: string[];
  defaultConfig: Record<string, unknown>;
  /** Upper bound on an episode's length for a config (max_steps, or the board size). */
  maxSteps(config: Record<string, unknown>): number;
  /** Builds a live environment; throws InvalidConfigError for bad config values. */
  create(config: Record<string, unknown>, rng: Rng | undefined): Environment;
}

/** JSON description of an environment, shown on the web pages and by `rl-arena-env describe`. */
export interface EnvironmentDescription {
  id: string;
  version: string;
  name: string;
  numPlayers: number;
  /** Markdown-free plain text rules, a few paragraphs. */
  rules: string;
  actionSpace: SpaceJson;
  observationSpace: SpaceJson;
  /** Meaning of each action / observation entry, for humans. */
  actionMeaning: string[];
  observationMeaning: string[];
  defaultConfig: Record<string, unknown>;
  turnBased: boolean;
  /** Upper bound on an episode's length with the default config. */
  maxSteps: number;
}
