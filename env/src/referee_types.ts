/** Types of the referee's public surface: what `runMatch` takes and returns. */
import type { Replay } from "./replay.ts";

/** How to start one agent. The referee adds nothing to `env` but a few safe basics (PATH, HOME, LANG). */
export interface AgentSpec {
  /** Shown in replays, logs and the CLI summary. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** Extra environment variables for the agent (the platform's own environment is never inherited). */
  env?: Record<string, string>;
  /** Copied into the replay's `players` entry. */
  agent_id?: string | null;
  submission_id?: string | null;
  version?: string | null;
}

/** What the referee actually spawns for one agent; `env` is the complete environment. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Turns an AgentSpec into the command really spawned, e.g. wrapped in bubblewrap with
 * resource limits. The referee still spawns it in its own process group and SIGKILLs the group.
 */
export type LaunchHook = (spec: AgentSpec, player: number) => LaunchSpec | Promise<LaunchSpec>;

/** Limits of SPEC §2, all in milliseconds / bytes. */
export interface MatchLimits {
  /** Time for the agent to start and answer init with {"ready":true}. Default 10 000. */
  initTimeoutMs: number;
  /** Time per step that does not touch the bank. Default 1 000. */
  stepTimeoutMs: number;
  /** Time bank per agent for the whole match; time beyond the step limit is drawn from it. Default 60 000. */
  timeBankMs: number;
  /** An unanswered request is abandoned and the agent killed at step limit + bank left + this. Default 1 000. */
  killGraceMs: number;
  /** stderr kept per agent. Default 1 MiB. */
  stderrCapBytes: number;
  /** Longest stdout line accepted. Default 1 MiB. */
  maxLineBytes: number;
  /** Steps after which the referee ends the match as completed, for environments with no end of their own. Default 100 000. */
  maxSteps: number;
  /** How long agents may take to exit after the end message before their group is killed. Default 500. */
  endGraceMs: number;
}

export type EndReason = "completed" | "timeout" | "crash" | "invalid_action" | "protocol_error";

export interface MatchOutcome {
  /** Winning player index, or null for a draw. */
  winner: number | null;
  /** Sum of each player's rewards. */
  scores: number[];
  end_reason: EndReason;
  /** The player who faulted (the first one when several did; all are in `faulted_players`). */
  faulted_player?: number;
  faulted_players?: number[];
  /** What the faulting agent did, in words for its owner. */
  fault_detail?: string;
  /** Environment steps played. */
  total_steps: number;
}

export interface PlayerStats {
  /** Step messages answered. */
  answers: number;
  /** Mean and max time to answer a step, in ms (init excluded). */
  mean_ms: number;
  max_ms: number;
  /** Time to start and answer init, in ms (null if it never did). */
  init_ms: number | null;
  /** Time bank left at the end, in ms. */
  bank_left_ms: number;
}

export interface MatchStats {
  players: PlayerStats[];
  /** Wall time of the whole match, spawn to cleanup, in ms. */
  wall_ms: number;
  /** Wall time of the step loop only, in ms. */
  loop_ms: number;
}

export interface MatchResult {
  outcome: MatchOutcome;
  replay: Replay;
  /**
   * Each agent's stderr plus the referee's note on a fault, in at most `stderrCapBytes` bytes of
   * UTF-8 (the stderr part is cut, with a marker, so the note survives); invalid UTF-8 and NUL
   * are U+FFFD.
   */
  logs: string[];
  stats: MatchStats;
}

export interface StepProgress {
  step: number;
  /** The environment's max_steps when it has one. */
  maxSteps: number | null;
  rewards: number[];
}

export interface RunMatchOptions {
  env: { id: string; config?: Record<string, unknown> };
  agents: AgentSpec[];
  seed: number;
  limits?: Partial<MatchLimits>;
  launch?: LaunchHook;
  /** Called after every environment step (progress bars, live feeds). Must not throw. */
  onStep?: (progress: StepProgress) => void;
  /** Called with each step answer's time in ms (metrics histograms). Must not throw. */
  onAnswer?: (player: number, ms: number) => void;
  /** Aborting kills every agent and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const DEFAULT_LIMITS: MatchLimits = {
  initTimeoutMs: 10_000,
  stepTimeoutMs: 1_000,
  timeBankMs: 60_000,
  killGraceMs: 1_000,
  stderrCapBytes: 1024 * 1024,
  maxLineBytes: 1024 * 1024,
  maxSteps: 100_000,
  endGraceMs: 500,
};
