import type { Sql } from "postgres";
import type { MatchSettings } from "../executor/types.ts";

/** The settings' jsonb (start_match's `limits`) in the executor's shape. Missing keys fall back to SPEC §2's defaults. */
export function matchSettingsFrom(limits: Record<string, unknown> | null | undefined): MatchSettings {
  const n = (key: string, fallback: number) => {
    const v = Number(limits?.[key]);
    return Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return {
    initTimeoutS: n("init_timeout_s", 10),
    stepTimeoutS: n("step_timeout_s", 1),
    timeBankS: n("time_bank_s", 60),
    memoryMb: n("memory_mb", 512),
    cpus: n("cpus", 1),
    maxProcesses: n("max_processes", 64),
    logCapBytes: n("log_cap_bytes", 1024 * 1024),
    matchDeadlineS: n("match_deadline_s", 3600),
  };
}

const KEYS = ["init_timeout_s", "step_timeout_s", "time_bank_s", "memory_mb", "cpus", "max_processes", "log_cap_bytes", "match_deadline_s"];

/** The same settings read for one environment (builds have no start_match row). */
export async function matchSettingsFor(sql: Sql, environment: string): Promise<MatchSettings> {
  const rows = await sql<{ key: string; value: string }[]>`
    select k as key, setting_number_for(${environment}, k)::text as value from unnest(${KEYS}::text[]) as k`;
  return matchSettingsFrom(Object.fromEntries(rows.map((r) => [r.key, Number(r.value)])));
}

/** The SQLSTATE of a postgres.js error, or undefined. */
export function sqlState(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}
