/**
 * Shared mechanics of the built-in environments: seeding, the episode lifecycle and action
 * validation. A game subclass implements `start` (new episode), `advance` (one valid step),
 * `activePlayers` and `checkAction`; this class guarantees the typed errors of the API.
 */
import { EpisodeFinishedError, EpisodeNotStartedError, InvalidActionError, WrongActionCountError } from "./errors.ts";
import { createRng, randomSeed } from "./rng.ts";
import type { Environment, ResetResult, Rng, Space, StepResult } from "./types.ts";

export abstract class BaseEnvironment implements Environment {
  abstract readonly id: string;
  abstract readonly version: string;
  abstract readonly numPlayers: number;
  abstract readonly actionSpace: Space;
  abstract readonly observationSpace: Space;
  readonly config: Record<string, unknown>;

  /** The randomness of the current episode (the injected rng, or the seeded default). */
  protected rng: Rng | null = null;
  private readonly injectedRng: Rng | undefined;
  private phase: "new" | "running" | "finished" = "new";

  constructor(config: Record<string, unknown>, rng: Rng | undefined) {
    this.config = Object.freeze({ ...config });
    this.injectedRng = rng;
  }

  reset(options: { seed?: number } = {}): ResetResult {
    const seed = options?.seed;
    if (this.injectedRng) this.rng = this.injectedRng;
    else if (seed !== undefined && seed !== null) this.rng = createRng(seed);
    else if (!this.rng) this.rng = createRng(randomSeed());
    const result = this.start(this.rng);
    this.phase = "running";
    return result;
  }

  step(actions: unknown[]): StepResult {
    if (this.phase !== "running") {
      throw this.phase === "new" ? new EpisodeNotStartedError(this.id) : new EpisodeFinishedError(this.id);
    }
    if (!Array.isArray(actions) || actions.length !== this.numPlayers) {
      throw new WrongActionCountError(this.id, this.numPlayers, actions);
    }
    this.validate(actions);
    const result = this.advance(actions, this.rng as Rng);
    if (result.terminated || result.truncated) this.phase = "finished";
    return result;
  }

  /** True once the current episode terminated or was truncated. */
  get finished(): boolean {
    return this.phase === "finished";
  }

  abstract activePlayers(): number[];
  abstract renderState(): unknown;

  /** Resets the game state for a new episode, drawing only from `rng`. */
  protected abstract start(rng: Rng): ResetResult;
  /** Applies one step of actions that `validate` accepted. */
  protected abstract advance(actions: unknown[], rng: Rng): StepResult;
  /** Returns null when `action` is valid for an active `player`, else the reason it is not. */
  protected abstract checkAction(player: number, action: unknown): string | null;

  /** Throws InvalidActionError for the first bad action (players in seat order). */
  protected validate(actions: unknown[]): void {
    const active = this.activePlayers();
    for (let player = 0; player < this.numPlayers; player++) {
      const action = actions[player];
      if (active.includes(player)) {
        const reason = this.checkAction(player, action);
        if (reason !== null) throw new InvalidActionError(player, action, reason);
      } else if (action !== null) {
        throw new InvalidActionError(player, action, `player ${player} is not active this step, so its action must be null`);
      }
    }
  }
}
