/**
 * dead-letter: jobs whose retries ran out land here (they stay in pg-boss's tables for the
 * admin reports). A match job's match is failed and its agents freed; a build job's
 * submission is marked failed, so nothing waits for a deadline.
 */
import type { Job } from "pg-boss";
import type { Sql } from "postgres";
import { engineEvents } from "../executor/engine_events.ts";
import type { Logger } from "../log.ts";
import { finish } from "./build_worker.ts";
import { sqlState } from "./match_settings.ts";
import { failMatch } from "./match_worker.ts";

export async function runDeadLetterJob(deps: { sql: Sql; log: Logger }, job: Pick<Job<Record<string, unknown>>, "id" | "data">): Promise<string> {
  const data = job.data ?? {};
  if (typeof data.matchId === "string") {
    await failMatch(deps.sql, data.matchId, null, "the match could not be run: its job failed on every attempt (see the dead-letter queue)", deps.log);
    engineEvents.emit("job.failed", { queue: "match.run", jobId: job.id, error: "retries exhausted", retryCount: -1 });
    return "match failed";
  }
  if (typeof data.submissionId === "string") {
    try {
      await finish(deps.sql, data.submissionId, false, null, null, "the build could not run: its job failed on every attempt (a platform problem, not your code); try a rebuild", "the build job failed on every attempt\n");
    } catch (error) {
      if (sqlState(error) !== "RLA42" && sqlState(error) !== "RLA40") throw error; // already finished
    }
    engineEvents.emit("job.failed", { queue: "submission.build", jobId: job.id, error: "retries exhausted", retryCount: -1 });
    return "build failed";
  }
  deps.log.warn("dead-letter job with unknown data", { jobId: job.id, data });
  return "ignored";
}
