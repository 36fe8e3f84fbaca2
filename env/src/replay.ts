/**
 * Replays (SPEC §1.4): the JSON format, a recorder that builds it from any environment, and a
 * validator of frame replays (schema 1). Frame 0 is the reset state; frame i is the state after step i.
 */
import { ReplayValidationError } from "./errors.ts";
import type { Environment, ResetResult, StepResult } from "./types.ts";

export const REPLAY_SCHEMA_VERSION = 1;

export interface ReplayPlayer {
  agent_id: string | null;
  name: string;
  submission_id: string | null;
  version: string | null;
}

/**
 * A player's status in a frame: `active` (must act next), `inactive` (waits), `done` (the
 * match is over), or the fault that ended the match for that player.
 */
export type PlayerStatus = "active" | "inactive" | "done" | "timeout" | "crash" | "invalid_action" | "protocol_error";

export interface ReplayStep {
  /** 0 for the reset state, then the number of steps played. */
  step: number;
  /** The actions that led to this frame (all null in frame 0). */
  actions: unknown[];
  rewards: number[];
  observations?: unknown[];
  status: PlayerStatus[];
  info: Record<string, unknown>;
  /** `env.renderState()` after this step; what the player draws. */
  render: unknown;
}

/** `completed` for a normal end; the fault kinds of SPEC §2 otherwise. */
export type ReplayEndReason = "completed" | "timeout" | "crash" | "invalid_action" | "protocol_error" | "failed";

export interface ReplayResult {
  /** Winning player index, or null for a draw. */
  winner: number | null;
  /** Sum of each player's rewards. */
  scores: number[];
  end_reason: ReplayEndReason;
  total_steps: number;
  /** Players who faulted (for fault endings). */
  faulted_players?: number[];
  faulted_player?: number;
  fault_detail?: string;
}

/**
 * How each seat of a refereed match answered, step by step (runMatch adds it). The platform
 * keeps it apart from the public replay, for the agents' owners; the player shows it with the
 * logs when it is given both.
 */
export interface ReplayTiming {
  step_timeout_ms: number;
  time_bank_ms: number;
  seats: SeatTiming[];
}

/** One seat's timing; index r is request r (asking for step r's action; its answer led to frame r + 1). */
export interface SeatTiming {
  /** Time to start and answer init; null if it never did. */
  init_ms: number | null;
  /** Lines of stderr written before the first step was asked. */
  init_lines: number;
  /** Milliseconds to answer request r (or until it failed); null when the seat was not asked. */
  ms: Array<number | null>;
  /** Time bank left after request r, ms. */
  bank_ms: number[];
  /** Lines of stderr written up to the end of request r (the log's first lines[r] lines). */
  lines: number[];
}

export interface Replay {
  schema_version: number;
  environment: { id: string; version: string; config: Record<string, unknown> };
  seed: number | null;
  players: ReplayPlayer[];
  steps: ReplayStep[];
  result: ReplayResult;
  /** ISO 8601 UTC timestamps. */
  started_at: string;
  ended_at: string;
  /** Refereed matches only; see ReplayTiming. */
  timing?: ReplayTiming;
}

export interface RecorderOptions {
  seed?: number | null;
  /** Player metadata; missing fields default to null and the name to "player i". */
  players?: Array<Partial<ReplayPlayer>>;
  /** Store every frame's observations (bigger replays). Default false. */
  includeObservations?: boolean;
  /** Clock for started_at / ended_at (tests). */
  now?: () => Date;
}

/** The winner by sum of rewards: the unique largest total wins, otherwise null (draw). */
export function winnerByRewards(totals: readonly number[]): number | null {
  let best = -Infinity;
  let winner: number | null = null;
  for (let i = 0; i < totals.length; i++) {
    if (totals[i] > best) {
      best = totals[i];
      winner = i;
    } else if (totals[i] === best) {
      winner = null;
    }
  }
  return winner;
}

/**
 * Builds a replay while an episode is played:
 * `recordReset(env.reset(...))`, then `recordStep(actions, env.step(actions))` per step, then
 * `finish()`. It reads `env.renderState()` and `env.activePlayers()` itself after each call.
 */
export class ReplayRecorder {
  private readonly env: Environment;
  private readonly options: RecorderOptions;
  private readonly steps: ReplayStep[] = [];
  private readonly totals: number[];
  private readonly startedAt: string;
  private ended = false;

  constructor(env: Environment, options: RecorderOptions = {}) {
    this.env = env;
    this.options = options;
    this.totals = new Array<number>(env.numPlayers).fill(0);
    this.startedAt = (options.now?.() ?? new Date()).toISOString();
  }

  /** Frame 0. Must be called once, first. */
  recordReset(result: ResetResult): void {
    if (this.steps.length > 0) throw new Error("ReplayRecorder.recordReset: frame 0 was already recorded");
    const n = this.env.numPlayers;
    this.push(0, new Array(n).fill(null), new Array(n).fill(0), result.observations, result.info, false);
  }

  /** One frame per environment step. */
  recordStep(actions: readonly unknown[], result: StepResult): void {
    if (this.steps.length === 0) throw new Error("ReplayRecorder.recordStep: call recordReset first");
    if (this.ended) throw new Error("ReplayRecorder.recordStep: the replay is already finished");
    result.rewards.forEach((r, i) => (this.totals[i] += r));
    const done = result.terminated || result.truncated;
    this.push(this.steps.length, actions.map((a) => (a === undefined ? null : a)), [...result.rewards], result.observations, result.info, done);
  }

  /** Sum of rewards per player so far. */
  rewardTotals(): number[] {
    return [...this.totals];
  }

  /** Frames recorded so far (frame 0 included). */
  get frameCount(): number {
    return this.steps.length;
  }

  /**
   * Ends the replay. Defaults: winner by sum of rewards, scores = those sums, end_reason
   * "completed". Players in `faulted_players` / `faulted_player` get the end reason as their
   * status in the last frame; everyone else gets "done".
   */
  finish(result: Partial<ReplayResult> = {}): Replay {
    if (this.steps.length === 0) throw new Error("ReplayRecorder.finish: nothing was recorded (call recordReset first)");
    this.ended = true;
    const endReason = result.end_reason ?? "completed";
    const faulted = new Set(result.faulted_players ?? (result.faulted_player !== undefined ? [result.faulted_player] : []));
    const last = this.steps[this.steps.length - 1];
    last.status = last.status.map((_, p) => (faulted.has(p) && endReason !== "completed" && endReason !== "failed" ? endReason : "done")) as PlayerStatus[];
    const outcome: ReplayResult = {
      ...result,
      winner: result.winner !== undefined ? result.winner : winnerByRewards(this.totals),
      scores: result.scores ? [...result.scores] : [...this.totals],
      end_reason: endReason,
      total_steps: result.total_steps ?? this.steps.length - 1,
    };
    return {
      schema_version: REPLAY_SCHEMA_VERSION,
      environment: { id: this.env.id, version: this.env.version, config: { ...this.env.config } },
      seed: this.options.seed ?? null,
      players: Array.from({ length: this.env.numPlayers }, (_, i) => {
        const p = this.options.players?.[i] ?? {};
        return { agent_id: p.agent_id ?? null, name: p.name ?? `player ${i}`, submission_id: p.submission_id ?? null, version: p.version ?? null };
      }),
      steps: this.steps,
      result: outcome,
      started_at: this.startedAt,
      ended_at: (this.options.now?.() ?? new Date()).toISOString(),
    };
  }

  private push(step: number, actions: unknown[], rewards: number[], observations: unknown[], info: Record<string, unknown>, done: boolean): void {
    const active = done ? [] : this.env.activePlayers();
    const frame: ReplayStep = {
      step,
      actions,
      rewards,
      status: Array.from({ length: this.env.numPlayers }, (_, p) => (done ? "done" : active.includes(p) ? "active" : "inactive")),
      info: jsonCopy(info) as Record<string, unknown>,
      render: jsonCopy(this.env.renderState()),
    };
    if (this.options.includeObservations) frame.observations = jsonCopy(observations) as unknown[];
    this.steps.push(frame);
  }
}

function jsonCopy(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)));
}

const STATUSES: ReadonlySet<string> = new Set(["active", "inactive", "done", "timeout", "crash", "invalid_action", "protocol_error"]);

/**
 * Validates a parsed frame replay (schema 1); throws ReplayValidationError naming the first
 * offending field. Unknown extra fields are kept. `loadReplay` (replay_compact.ts) reads both
 * schemas and JSON text, and is what callers use.
 */
export function validateFrameReplay(doc: unknown): Replay {
  const root = object(doc, "(root)");
  if (root.schema_version !== REPLAY_SCHEMA_VERSION) {
    throw new ReplayValidationError("schema_version", `expected ${REPLAY_SCHEMA_VERSION}, got ${show(root.schema_version)}`);
  }
  const environment = object(root.environment, "environment");
  string(environment.id, "environment.id");
  string(environment.version, "environment.version");
  object(environment.config, "environment.config");
  if (root.seed !== null && !Number.isSafeInteger(root.seed)) throw new ReplayValidationError("seed", `expected an integer or null, got ${show(root.seed)}`);
  const players = array(root.players, "players");
  if (players.length === 0) throw new ReplayValidationError("players", "expected at least one player");
  const n = players.length;
  players.forEach((p, i) => {
    const player = object(p, `players[${i}]`);
    string(player.name, `players[${i}].name`);
    for (const key of ["agent_id", "submission_id", "version"]) {
      if (player[key] !== null && typeof player[key] !== "string") {
        throw new ReplayValidationError(`players[${i}].${key}`, `expected a string or null, got ${show(player[key])}`);
      }
    }
  });
  const steps = array(root.steps, "steps");
  if (steps.length === 0) throw new ReplayValidationError("steps", "expected at least frame 0 (the reset state)");
  steps.forEach((s, i) => {
    const at = `steps[${i}]`;
    const step = object(s, at);
    if (step.step !== i) throw new ReplayValidationError(`${at}.step`, `expected ${i} (frames are numbered in order from 0), got ${show(step.step)}`);
    const actions = array(step.actions, `${at}.actions`);
    if (actions.length !== n) throw new ReplayValidationError(`${at}.actions`, `expected ${n} entries (one per player), got ${actions.length}`);
    const rewards = array(step.rewards, `${at}.rewards`);
    if (rewards.length !== n) throw new ReplayValidationError(`${at}.rewards`, `expected ${n} entries (one per player), got ${rewards.length}`);
    rewards.forEach((r, p) => finite(r, `${at}.rewards[${p}]`));
    const status = array(step.status, `${at}.status`);
    if (status.length !== n) throw new ReplayValidationError(`${at}.status`, `expected ${n} entries (one per player), got ${status.length}`);
    status.forEach((v, p) => {
      if (typeof v !== "string" || !STATUSES.has(v)) {
        throw new ReplayValidationError(`${at}.status[${p}]`, `expected one of ${[...STATUSES].join(", ")}, got ${show(v)}`);
      }
    });
    if (step.observations !== undefined) {
      const observations = array(step.observations, `${at}.observations`);
      if (observations.length !== n) throw new ReplayValidationError(`${at}.observations`, `expected ${n} entries (one per player), got ${observations.length}`);
    }
    object(step.info, `${at}.info`);
    if (!("render" in step) || step.render === undefined) throw new ReplayValidationError(`${at}.render`, "missing (the render state of this frame)");
  });
  const result = object(root.result, "result");
  if (result.winner !== null && !(Number.isInteger(result.winner) && (result.winner as number) >= 0 && (result.winner as number) < n)) {
    throw new ReplayValidationError("result.winner", `expected a player index 0-${n - 1} or null (draw), got ${show(result.winner)}`);
  }
  const scores = array(result.scores, "result.scores");
  if (scores.length !== n) throw new ReplayValidationError("result.scores", `expected ${n} entries (one per player), got ${scores.length}`);
  scores.forEach((v, p) => finite(v, `result.scores[${p}]`));
  string(result.end_reason, "result.end_reason");
  if (result.total_steps !== steps.length - 1) {
    throw new ReplayValidationError("result.total_steps", `expected ${steps.length - 1} (one less than the number of frames), got ${show(result.total_steps)}`);
  }
  timestamp(root.started_at, "started_at");
  timestamp(root.ended_at, "ended_at");
  return root as unknown as Replay;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ReplayValidationError(path, `expected an object, got ${show(value)}`);
  return value as Record<string, unknown>;
}
function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ReplayValidationError(path, `expected an array, got ${show(value)}`);
  return value;
}
function string(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") throw new ReplayValidationError(path, `expected a non-empty string, got ${show(value)}`);
  return value;
}
function finite(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ReplayValidationError(path, `expected a finite number, got ${show(value)}`);
  return value;
}
function timestamp(value: unknown, path: string): void {
  if (typeof value !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ReplayValidationError(path, `expected an ISO 8601 timestamp such as 2025-01-31T12:00:00Z, got ${show(value)}`);
  }
}
