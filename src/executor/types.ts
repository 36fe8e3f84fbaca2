/**
 * What the workers ask of an executor (local processes or Kubernetes) and what they get back.
 * The workers own the database side (start_match / finish_match / fail_match, start_build /
 * finish_build); an executor only plays matches and builds submissions.
 */
import type { MatchOutcome } from "rl-arena-env";

/** "stdio": a program that speaks the protocol itself; its entry is its command as JSON (src/submissions/agent_command.ts). */
export type SeatLanguage = "python" | "node" | "stdio" | "builtin";

/** One seat of a match, from start_match. */
export interface SeatSpec {
  agentId: string;
  name: string;
  submissionId: string;
  version: number;
  /** "builtin" seats run one of rl-arena-env's built-in policies, named by `entry`. */
  language: SeatLanguage;
  /** Entry file relative to the unpacked submission, the built-in policy's name, or a stdio agent's command as JSON. */
  entry: string;
  /** The agent image a Kubernetes build pushed (start_match's player*_image); null for local builds and built-ins. */
  image?: string | null;
}

/** The limits start_match returns (per-environment settings), in the settings' units. */
export interface MatchSettings {
  initTimeoutS: number;
  stepTimeoutS: number;
  timeBankS: number;
  memoryMb: number;
  cpus: number;
  maxProcesses: number;
  logCapBytes: number;
  matchDeadlineS: number;
}

export interface MatchSpec {
  matchId: string;
  environment: { id: string; version: string; config: Record<string, unknown> };
  seed: number;
  settings: MatchSettings;
  seats: SeatSpec[];
  /** Referee step cap (validation matches use a short one). Default: the environment's own end. */
  maxSteps?: number;
}

export interface MatchRunResult {
  outcome: MatchOutcome;
  /** gzip of the replay JSON, ready for finish_match. */
  replayGzip: Buffer;
  /** stderr per seat (index = player), capped by the referee. */
  logs: string[];
  stats: { wallMs: number; loopMs: number; meanStepMs: number[]; maxStepMs: number[] };
  /** Processes of the agents that were still alive after the referee's kill and had to be killed by uid (should be 0). */
  leftoverProcesses: number;
}

export interface BuildSpec {
  submissionId: string;
  agentId: string;
  environment: { id: string; version: string; config: Record<string, unknown> };
  archive: Buffer;
  archiveName: string;
  settings: MatchSettings;
  /** Steps of the validation match. */
  validationSteps: number;
}

export interface BuildResult {
  ok: boolean;
  language?: "python" | "node" | "stdio";
  entry?: string;
  /** Shown to the owner: what was checked, and the agent's stderr from the validation match. */
  log: string;
  /** One sentence for a failed build. */
  error?: string;
  /** The agent image a Kubernetes build pushed, recorded by finish_build for the matches. */
  image?: string;
}

export interface RunContext {
  /** Aborted when the job is lost (worker shutting down, heartbeat gone): kill everything and reject. */
  signal?: AbortSignal;
  /** Called after every environment step. */
  onStep?: (step: number) => void;
}

export interface Executor {
  readonly kind: "local" | "kubernetes";
  runMatch(spec: MatchSpec, ctx?: RunContext): Promise<MatchRunResult>;
  build(spec: BuildSpec, ctx?: RunContext): Promise<BuildResult>;
  /** Waits for running work to stop (after its signals were aborted) and frees resources. */
  close(): Promise<void>;
}

/**
 * A failure of the platform, not of an agent (no sandbox, unpacking failed on this machine,
 * the referee threw). The match worker answers it with fail_match; the job is not retried.
 */
export class PlatformError extends Error {
  override name = "PlatformError";
}
