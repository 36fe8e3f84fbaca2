/**
 * Shapes shared by the Kubernetes executor, its manifest builders and the referee that runs
 * inside the match pod. Kept apart from the local executor's types because the Kubernetes side
 * is handed images, not folders; the result shape (outcome, replay, logs) is the same idea.
 */

/** "stdio": a program that speaks the protocol itself; its entry is its command as JSON. */
export type AgentLanguage = "python" | "node" | "stdio";

/** Resources of one container, in Kubernetes quantity syntax ("500m", "512Mi"). */
export interface ContainerResources {
  cpu: string;
  memory: string;
  /** Scratch space (/tmp) for the container; default "64Mi". */
  ephemeralStorage?: string;
}

/** One seat of a match as the Kubernetes executor sees it: a built image plus how to start it. */
export interface KubernetesAgent {
  /** Image reference produced by the Kaniko build, ideally pinned by digest (`repo@sha256:…`); the platform image for "builtin". */
  image: string;
  /** "builtin": one of rl-arena-env's built-in policies, served from the platform image. */
  language: AgentLanguage | "builtin";
  /** Entry file, relative to the agent folder (e.g. "main.py"); the policy's name for "builtin"; the command as JSON for "stdio". */
  entry: string;
  /** Shown in the replay; never used in a manifest except through JSON in the referee's environment. */
  agentId: string;
  name: string;
  submissionId: string;
  version: number;
}

/** Per-agent time limits of SPEC §2, passed through to the referee. */
export interface MatchTimeLimits {
  initTimeoutS: number;
  stepTimeoutS: number;
  timeBankS: number;
  /** stderr kept per agent, bytes. */
  stderrCapBytes: number;
}

/** Everything needed to play one match as a Kubernetes Job. */
export interface KubernetesMatchSpec {
  matchId: string;
  environment: { id: string; version?: string; config?: Record<string, unknown> };
  seed: number;
  agents: KubernetesAgent[];
  /** From the settings (match_limits via start_match). */
  limits: MatchTimeLimits;
}

/** The referee's verdict, as SPEC §1.4 `result`. */
export interface MatchOutcome {
  winner: number | null;
  scores: number[];
  end_reason: string;
  total_steps: number;
  faulted_player?: number;
}

/** What a match returns to the worker: the referee's outcome, the replay object, each seat's stderr. */
export interface KubernetesMatchResult {
  outcome: MatchOutcome;
  replay: unknown;
  /** stderr per seat (index = player). */
  logs: string[];
  /** Name of the Job that ran it (deleted by the time this is returned). */
  jobName: string;
}

/** What a build returns: `ok` with the pushed image (pinned by digest when Kaniko reported one), and Kaniko's log. */
export interface KubernetesBuildResult {
  ok: boolean;
  image: string;
  log: string;
  jobName: string;
}

/**
 * A failure of the platform (API server unreachable, Job failed or timed out, referee crashed,
 * result missing or forged) — never an agent's fault. The worker answers it with fail_match.
 */
export class KubernetesPlatformError extends Error {
  constructor(message: string, readonly jobName?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KubernetesPlatformError";
  }
}
