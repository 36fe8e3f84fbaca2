/**
 * housekeeping: the SQL function housekeeping() fails matches past their deadline (freeing
 * their agents), deletes match logs older than log_retention_days and idle rate-limit
 * buckets. Scheduled every minute (pg-boss cron); the singleton queue runs one at a time.
 */
import type { Sql } from "postgres";
import { engineEvents } from "../executor/engine_events.ts";
import type { Logger } from "../log.ts";

export async function runHousekeepingJob(deps: { sql: Sql; log: Logger }): Promise<Record<string, unknown>> {
  const started = Date.now();
  const [row] = await deps.sql<{ result: Record<string, unknown> }[]>`select housekeeping() as result`;
  const result = row!.result;
  if (Object.values(result).some((v) => typeof v === "number" && v > 0)) deps.log.info("housekeeping", result);
  engineEvents.emit("housekeeping.done", { result, durationMs: Date.now() - started });
  return result;
}
