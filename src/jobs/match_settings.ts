import type { Sql } from "postgres";
import type { MatchSettings } from "../executor/types.ts";

/**
 * SQL's match_limits (start_match's `limits`) in the executor's shape. The values live in
 * sql/settings.sql alone: a missing or invalid key is an error naming it, never a default here.
 */
export function matchSettingsFrom(limits: Record<string, unknown> | null | undefined): MatchSettings {
  const n = (key: string) => {
    const raw = limits?.[key];
    const v = Number(raw);
    if (raw === null || raw === undefined || !Number.isFinite(v) || v < 0) {
      throw new Error(`match limit ${key} is ${JSON.stringify(raw ?? null)}; it must be a number ≥ 0 (see match_limits() and sql/settings.sql)`);
    }
    return v;
  };
  return {
    initTimeoutS: n("init_timeout_s"),
    stepTimeoutS: n("step_timeout_s"),
    timeBankS: n("time_bank_s"),
    memoryMb: n("memory_mb"),
    cpus: n("cpus"),
    maxProcesses: n("max_processes"),
    logCapBytes: n("log_cap_bytes"),
    matchDeadlineS: n("match_deadline_s"),
  };
}

/** The same limits for one environment, for builds (they have no start_match row). */
export async function matchSettingsFor(sql: Sql, environment: string): Promise<MatchSettings> {
  const [row] = await sql<{ limits: Record<string, unknown> }[]>`select match_limits(${environment}) as limits`;
  return matchSettingsFrom(row?.limits);
}

/** The SQLSTATE of a postgres.js error, or undefined. */
export function sqlState(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}
