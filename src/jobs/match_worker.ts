/**
 * match.run {matchId}: start_match → play it with the executor → finish_match.
 *
 * - start_match says RLA51 (already completed or failed, e.g. a retry after the result was
 *   recorded, or an admin cancelled it): the job completes doing nothing.
 * - A platform failure (PlatformError: no sandbox, the referee threw…) → fail_match, which
 *   frees both agents without a rating change; the job completes.
 * - The job was lost (its signal aborted: shutdown or a missed heartbeat) → the error goes
 *   back to pg-boss, which retries; start_match accepts a running match again.
 * - Any other error is retried too; when the retries run out, the dead-letter worker fails
 *   the match. finish_match records a result exactly once, so a replayed match cannot count twice.
 */
import type { Job } from "pg-boss";
import type { Sql } from "postgres";
import { storableJson, storableText } from "rl-arena-env";
import { engineEvents } from "../executor/engine_events.ts";
import { PlatformError, type Executor, type MatchSpec, type SeatLanguage } from "../executor/types.ts";
import type { Logger } from "../log.ts";
import { matchSettingsFrom, sqlState } from "./match_settings.ts";
import { storedReplay } from "./replay_storage.ts";

export interface MatchJobData {
  matchId: string;
}

interface StartMatchRow {
  match_id: string; environment_id: string; environment_version: string; config: Record<string, unknown>;
  limits: Record<string, unknown>; seed: string | number; attempt: number;
  player0_agent_id: string; player0_name: string; player0_submission_id: string; player0_version: number; player0_language: string; player0_entry: string;
  player1_agent_id: string; player1_name: string; player1_submission_id: string; player1_version: number; player1_language: string; player1_entry: string;
  player0_image: string | null; player1_image: string | null;
}

export type MatchJobOutcome = "completed" | "failed" | "skipped";

export async function runMatchJob(deps: { sql: Sql; executor: Executor; log: Logger }, job: Pick<Job<MatchJobData>, "id" | "data" | "signal">): Promise<MatchJobOutcome> {
  const { sql, executor } = deps;
  const matchId = job.data?.matchId;
  if (typeof matchId !== "string") throw new Error(`match.run job ${job.id} has no matchId: ${JSON.stringify(job.data)}`);
  const log = deps.log.child({ matchId, jobId: job.id });
  let row: StartMatchRow;
  try {
    [row] = (await sql`select * from start_match(${matchId})`) as unknown as StartMatchRow[];
  } catch (error) {
    if (sqlState(error) === "RLA51" || sqlState(error) === "RLA50") {
      log.info("match job skipped", { reason: (error as Error).message });
      engineEvents.emit("match.skipped", { matchId, reason: (error as Error).message });
      return "skipped";
    }
    throw error;
  }
  const spec = matchSpecFromRow(row);
  engineEvents.emit("match.started", { matchId, environment: spec.environment.id, attempt: row.attempt });
  log.info("match started", { environment: spec.environment.id, attempt: row.attempt });

  let result;
  try {
    result = await executor.runMatch(spec, { signal: job.signal });
  } catch (error) {
    if (job.signal?.aborted || !(error instanceof PlatformError)) throw error;
    await failMatch(sql, matchId, spec.environment.id, error.message, log);
    return "failed";
  }
  // The referee already made every agent byte storable; checked again here because one NUL or
  // unpaired surrogate would make PostgreSQL refuse the whole result (and the loser would dodge it).
  const outcome = storableJson(result.outcome);
  const logs = result.logs.map((l) => storableText(String(l ?? "")));
  const replay = storedReplay(result.replayGzip);
  try {
    await sql`call finish_match_then_notify(${matchId}, ${sql.json(outcome as never)}, ${replay.gzip}, ${logs}::text[])`;
  } catch (error) {
    if (sqlState(error) === "RLA51") {
      log.warn("the match ended elsewhere while it ran (cancelled or past its deadline); result dropped", { reason: (error as Error).message });
      return "skipped";
    }
    throw error;
  }
  if (replay.timing) {
    // The owners' step timeline; the result is recorded already, so a failure here only loses it.
    await sql`select record_match_timings(${matchId}, ${sql.json(storableJson(replay.timing) as never)})`
      .catch((error: Error) => log.warn("could not record the match's step timeline", { error }));
  }
  const o = outcome;
  log.info("match finished", { endReason: o.end_reason, winner: o.winner, steps: o.total_steps, wallMs: result.stats.wallMs });
  engineEvents.emit("match.finished", {
    matchId, environment: spec.environment.id, endReason: o.end_reason, winner: o.winner, totalSteps: o.total_steps,
    wallMs: result.stats.wallMs, loopMs: result.stats.loopMs, meanStepMs: result.stats.meanStepMs, maxStepMs: result.stats.maxStepMs,
    leftoverProcesses: result.leftoverProcesses,
  });
  return "completed";
}

export async function failMatch(sql: Sql, matchId: string, environment: string | null, error: string, log: Logger): Promise<void> {
  await sql`select fail_match(${matchId}, ${storableText(error)})`;
  log.warn("match failed (platform error)", { error });
  engineEvents.emit("match.failed", { matchId, environment, error });
}

export function matchSpecFromRow(row: StartMatchRow): MatchSpec {
  const seat = (p: 0 | 1) => ({
    agentId: row[`player${p}_agent_id`],
    name: row[`player${p}_name`],
    submissionId: row[`player${p}_submission_id`],
    version: Number(row[`player${p}_version`]),
    language: row[`player${p}_language`] as SeatLanguage,
    entry: row[`player${p}_entry`],
    image: row[`player${p}_image`] ?? null,
  });
  return {
    matchId: row.match_id,
    environment: { id: row.environment_id, version: row.environment_version, config: row.config ?? {} },
    seed: Number(row.seed),
    settings: matchSettingsFrom(row.limits),
    seats: [seat(0), seat(1)],
  };
}
