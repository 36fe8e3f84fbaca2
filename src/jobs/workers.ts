/**
 * The worker role: one pg-boss worker per queue, the matchmaking timer and the housekeeping
 * schedule, all driving one executor (local sandboxed processes, or Kubernetes).
 */
import type { PgBoss, Job } from "pg-boss";
import type { Sql } from "postgres";
import type { Config } from "../config.ts";
import { agentWorkDir } from "../executor/local/agent_work_dir.ts";
import { engineEvents } from "../executor/engine_events.ts";
import { createKubernetesExecutor, type KubernetesConfig } from "../executor/kubernetes/executor.ts";
import { createLocalExecutor } from "../executor/local/executor.ts";
import { prepareRuntime } from "../executor/local/runtime.ts";
import { initSandbox } from "../executor/local/sandbox.ts";
import { ensureAgentsCanReach } from "../executor/local/sandbox_reach.ts";
import { submissionsRoot } from "../executor/submission_files.ts";
import type { Executor } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import { runBuildJob, type BuildJobData } from "./build_worker.ts";
import { runDeadLetterJob } from "./dead_letter_worker.ts";
import { runHousekeepingJob } from "./housekeeping_worker.ts";
import { runMatchmakingJob, startMatchmakingTimer, type MatchmakingJobData } from "./matchmaking_worker.ts";
import { runMatchJob, type MatchJobData } from "./match_worker.ts";
import { sqlState } from "./match_settings.ts";
import { QUEUES } from "./queues.ts";

export interface WorkerDeps {
  sql: Sql;
  boss: PgBoss;
  log: Logger;
  /** The K8S_* keys, PLATFORM_IMAGE, AGENT_REGISTRY, … are read only with EXECUTOR=kubernetes. */
  config: Pick<Config, "dataDir" | "MATCH_CONCURRENCY" | "EXECUTOR" | "SANDBOX"> & KubernetesConfig;
  /** Use this executor instead of the configured one (tests, embedding). */
  executor?: Executor;
  /** Steps of a build's validation match (default 100). */
  validationSteps?: number;
  /** How often the matchmaking timer checks for due ticks, ms (default 1000). */
  matchmakingCheckMs?: number;
  /** Cron of the housekeeping job (default every minute). */
  housekeepingCron?: string;
  /** Seconds between job polls when idle (default 1; pg-boss also wakes on NOTIFY). */
  pollingIntervalSeconds?: number;
}

export interface Workers {
  executor: Executor;
  /** Stops taking jobs and the timer. Jobs in hand are left to boss.stop(), which waits for them, then fails and aborts them. */
  stop(): Promise<void>;
}

export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const { boss, sql, config } = deps;
  const log = deps.log.child({ role: "worker" });
  const executor = deps.executor ?? (await configuredExecutor(deps, log));
  const concurrency = config.MATCH_CONCURRENCY;
  const polling = { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 1 };

  const guard = <T>(queue: string, handler: (job: Job<T>) => Promise<unknown>) => async ([job]: Job<T>[]) => {
    try {
      return await handler(job!);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      // A coded SQL error (RLAxx) is logged here once, with its code.
      const code = sqlState(error);
      const fields = { jobId: job!.id, error: message, ...(code ? { errorCode: code } : {}) };
      if (job!.signal?.aborted) log.info(`${queue} job interrupted (shutdown or a missed heartbeat); pg-boss retries it`, fields);
      else log.warn(`${queue} job failed; pg-boss retries it`, fields);
      engineEvents.emit("job.failed", { queue, jobId: job!.id, error: message, retryCount: (job as { retryCount?: number }).retryCount ?? 0 });
      throw error;
    }
  };

  await boss.work<MatchJobData>(QUEUES.runMatch, { ...polling, localConcurrency: concurrency }, guard(QUEUES.runMatch, (job) => runMatchJob({ sql, executor, log }, job)));
  await boss.work<BuildJobData>(QUEUES.build, { ...polling, localConcurrency: Math.max(1, Math.ceil(concurrency / 2)) },
    guard(QUEUES.build, (job) => runBuildJob({ sql, executor, log, validationSteps: deps.validationSteps }, job)));
  await boss.work<MatchmakingJobData>(QUEUES.matchmaking, polling, guard(QUEUES.matchmaking, (job) => runMatchmakingJob({ sql, log }, job)));
  await boss.work(QUEUES.housekeeping, polling, guard(QUEUES.housekeeping, () => runHousekeepingJob({ sql, log })));
  await boss.work<Record<string, unknown>>(QUEUES.dead, polling, guard(QUEUES.dead, (job) => runDeadLetterJob({ sql, log }, job)));
  await boss.schedule(QUEUES.housekeeping, deps.housekeepingCron ?? "* * * * *", {}, { tz: "UTC" });
  const timer = startMatchmakingTimer({ sql, boss, log, checkEveryMs: deps.matchmakingCheckMs });
  log.info("workers started", { executor: executor.kind, matchConcurrency: concurrency });

  return {
    executor,
    async stop() {
      timer.stop();
      await Promise.allSettled([QUEUES.runMatch, QUEUES.build, QUEUES.matchmaking, QUEUES.housekeeping, QUEUES.dead].map((q) => boss.offWork(q, { wait: false })));
    },
  };
}

async function configuredExecutor(deps: WorkerDeps, log: Logger): Promise<Executor> {
  const { config } = deps;
  if (config.EXECUTOR === "kubernetes") return createKubernetesExecutor({ sql: deps.sql, log, config });
  await initSandbox(config.SANDBOX, log);
  const workDir = agentWorkDir(config.dataDir, log); // DATA_DIR, unless agents cannot reach it
  const runtime = await prepareRuntime(workDir);
  await ensureAgentsCanReach({ dataDir: workDir, runtime, submissionsRoot: submissionsRoot(workDir), log });
  return createLocalExecutor({ dataDir: workDir, sql: deps.sql, log, concurrency: config.MATCH_CONCURRENCY });
}
