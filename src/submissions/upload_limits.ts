import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sql } from "postgres";
import { SQL_DIR } from "../paths.ts";
import type { IntakeLimits } from "./intake_errors.ts";

/**
 * The upload limits, whose values live in the settings table alone (sql/settings.sql seeds them,
 * the admin page changes them). The web reads them on nearly every page, so each process keeps
 * them for CACHE_MS: a change on the admin page reaches every process within that time.
 */
const CACHE_MS = 5_000;
const cache = new WeakMap<object, { at: number; limits: Promise<IntakeLimits> }>();

/** upload_limits() in the intake's shape, cached briefly per database client. */
export function uploadLimits(sql: Sql): Promise<IntakeLimits> {
  const hit = cache.get(sql);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.limits;
  const limits = sql`select * from upload_limits()`.then(([r]) => limitsOf(r ?? {}));
  limits.catch(() => cache.delete(sql));
  cache.set(sql, { at: Date.now(), limits });
  return limits;
}

/** Drops the cached limits of `sql`, so the next read sees a change made just now (tests, the admin page). */
export function forgetUploadLimits(sql: Sql): void {
  cache.delete(sql);
}

function limitsOf(r: Record<string, unknown>): IntakeLimits {
  const n = (key: string) => {
    const v = Number(r[key]);
    if (r[key] === null || r[key] === undefined || !Number.isFinite(v) || v < 1) {
      throw new Error(`upload limit ${key} is ${JSON.stringify(r[key] ?? null)}; it must be a number ≥ 1 (see upload_limits() and sql/settings.sql)`);
    }
    return v;
  };
  return { maxPackedBytes: n("max_packed_bytes"), maxUnpackedBytes: n("max_unpacked_bytes"), maxFiles: n("max_files"), maxFileBytes: n("max_file_bytes") };
}

/**
 * The seeded values, read from sql/settings.sql itself, for callers without a database (unit
 * tests of the intake, tools). The platform always passes uploadLimits(sql).
 */
export function seededUploadLimits(): IntakeLimits {
  const text = readFileSync(join(SQL_DIR, "settings.sql"), "utf8");
  const seed = (key: string) => {
    const m = new RegExp(`\\('${key}', '(\\d+)'`).exec(text);
    if (!m) throw new Error(`sql/settings.sql seeds no ${key}`);
    return m[1];
  };
  return limitsOf({ max_packed_bytes: seed("archive_max_bytes"), max_unpacked_bytes: seed("archive_max_unpacked_bytes"),
    max_files: seed("archive_max_files"), max_file_bytes: seed("archive_max_file_bytes") });
}
