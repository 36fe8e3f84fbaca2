/**
 * submission.build {submissionId}: start_build → executor.build (unpack, detect, validation
 * match in the sandbox) → finish_build ok or failed with the reason and the build log.
 * start_build says RLA42/RLA40 (not pending/building any more, or gone): nothing to do.
 * Platform errors are thrown and retried; when retries run out the dead-letter worker fails
 * the build with the error, so no submission stays `building`.
 */
import type { Job } from "pg-boss";
import type { Sql } from "postgres";
import { storableText } from "rl-arena-env";
import { engineEvents } from "../executor/engine_events.ts";
import type { Executor } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import { matchSettingsFor, sqlState } from "./match_settings.ts";

export interface BuildJobData {
  submissionId: string;
}

export const VALIDATION_STEPS = 100;

export type BuildJobOutcome = "active" | "failed" | "skipped";

export async function runBuildJob(deps: { sql: Sql; executor: Executor; log: Logger; validationSteps?: number }, job: Pick<Job<BuildJobData>, "id" | "data" | "signal">): Promise<BuildJobOutcome> {
  const { sql, executor } = deps;
  const submissionId = job.data?.submissionId;
  if (typeof submissionId !== "string") throw new Error(`submission.build job ${job.id} has no submissionId: ${JSON.stringify(job.data)}`);
  const log = deps.log.child({ submissionId, jobId: job.id });
  const started = Date.now();
  let sub: { id: string; agent_id: string; archive: Buffer | null; archive_name: string | null; language: string | null };
  try {
    [sub] = (await sql`select id, agent_id, archive, archive_name, language from start_build(${submissionId})`) as unknown as (typeof sub)[];
  } catch (error) {
    if (sqlState(error) === "RLA42" || sqlState(error) === "RLA40") {
      log.info("build job skipped", { reason: (error as Error).message });
      return "skipped";
    }
    throw error;
  }
  const [env] = await sql<{ id: string; version: string; config: Record<string, unknown> }[]>`
    select e.id, e.version, e.config from environment_by_id((select environment_id from agents where id = ${sub.agent_id})) e`;
  engineEvents.emit("build.started", { submissionId, environment: env!.id });
  if (!sub.archive) {
    await finish(sql, submissionId, false, null, null, "the submission has no stored archive", "no archive was stored with this submission\n");
    return "failed";
  }
  const result = await executor.build({
    submissionId,
    agentId: sub.agent_id,
    environment: { id: env!.id, version: env!.version, config: env!.config ?? {} },
    archive: sub.archive,
    archiveName: sub.archive_name ?? "upload",
    settings: await matchSettingsFor(sql, env!.id),
    validationSteps: deps.validationSteps ?? VALIDATION_STEPS,
  }, { signal: job.signal });
  await finish(sql, submissionId, result.ok, result.language ?? null, result.entry ?? null, result.error ?? null, result.log, result.image ?? null);
  log.info(result.ok ? "build succeeded" : "build failed", { error: result.error });
  if (result.ok) await placeAgent(sql, sub.agent_id, log);
  engineEvents.emit("build.finished", { submissionId, environment: env!.id, ok: result.ok, language: result.language ?? null, durationMs: Date.now() - started, error: result.error ?? null });
  return result.ok ? "active" : "failed";
}

/**
 * Placement: the new version's first game starts now, not at the next matchmaking tick
 * (place_agent in sql/matchmaking.sql). The build is done whatever happens here: a failure is
 * logged and the ticks pair the agent as usual.
 */
async function placeAgent(sql: Sql, agentId: string, log: Logger): Promise<void> {
  try {
    const [m] = await sql`select id from place_agent(${agentId}) where id is not null`;
    if (m) log.info("placement match created", { agentId, matchId: m.id });
  } catch (error) {
    log.warn("placement failed; the next matchmaking tick pairs the agent", { agentId, error });
  }
}

export async function finish(sql: Sql, id: string, ok: boolean, language: string | null, entry: string | null, error: string | null, log: string, image: string | null = null): Promise<void> {
  // The build log quotes the agent (its stderr, archive names, Kaniko's output): one NUL would
  // make PostgreSQL refuse it, and the build would fail as a platform problem on every retry.
  await sql`select finish_build(${id}, ${ok}, ${language}, ${entry}, ${storableText(log)}, ${error === null ? null : storableText(error)}, ${image})`;
}
