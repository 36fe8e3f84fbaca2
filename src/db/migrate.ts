import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sql, TransactionSql } from "postgres";
import { SQL_DIR } from "../paths.ts";

export interface MigrateResult {
  /** Migration files applied by this call (empty when the database was up to date). */
  migrations: string[];
  /** Concept files (re-)applied by this call because they changed or `force` was set. */
  concepts: string[];
}

const LOCK_KEY = 7_726_431_001; // any constant shared by every process of this project

/**
 * Applies `sql/migrations/NNNN_*.sql` once each, in order, then the re-runnable concept files
 * listed in `sql/concepts.txt` (in that order) whose content changed since they were last
 * applied. Everything runs in one transaction under an advisory lock, so several processes
 * can boot at once and a failure leaves the database as it was.
 */
export async function migrate(sql: Sql, dir = SQL_DIR, options: { force?: boolean } = {}): Promise<MigrateResult> {
  const migrationFiles = readdirSync(join(dir, "migrations")).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const concepts = conceptFiles(dir);
  const result: MigrateResult = { migrations: [], concepts: [] };
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`set local client_min_messages = warning`;
    await tx`create table if not exists schema_migrations (
      name text primary key,
      applied_at timestamptz not null default now())`;
    await tx`create table if not exists schema_concepts (
      name text primary key,
      sha256 text not null,
      applied_at timestamptz not null default now())`;
    const applied = new Set((await tx`select name from schema_migrations`).map((r) => r.name as string));
    for (const file of migrationFiles) {
      if (applied.has(file)) continue;
      await runFile(tx, join(dir, "migrations", file));
      await tx`insert into schema_migrations (name) values (${file})`;
      result.migrations.push(file);
    }
    const known = new Map((await tx`select name, sha256 from schema_concepts`).map((r) => [r.name as string, r.sha256 as string]));
    for (const file of concepts) {
      const text = readFileSync(join(dir, file), "utf8");
      const sha = createHash("sha256").update(text).digest("hex");
      if (!options.force && known.get(file) === sha) continue;
      await runFile(tx, join(dir, file));
      await tx`insert into schema_concepts (name, sha256) values (${file}, ${sha})
               on conflict (name) do update set sha256 = excluded.sha256, applied_at = now()`;
      result.concepts.push(file);
    }
  });
  return result;
}

/** True when every migration and concept file on disk has been applied to this database. */
export async function isMigrated(sql: Sql, dir = SQL_DIR): Promise<boolean> {
  const [{ exists }] = await sql`select to_regclass('schema_concepts') is not null as exists`;
  if (!exists) return false;
  const names = new Set((await sql`select name from schema_migrations union all select name from schema_concepts`).map((r) => r.name as string));
  const wanted = [...readdirSync(join(dir, "migrations")).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)), ...conceptFiles(dir)];
  return wanted.every((f) => names.has(f));
}

/**
 * The order of concept files is explicit (views depend on functions, functions on types), so
 * every `sql/*.sql` must be listed in `sql/concepts.txt`; an unlisted file is an error, not a
 * silent skip.
 */
function conceptFiles(dir: string): string[] {
  const listFile = join(dir, "concepts.txt");
  const listed = existsSync(listFile)
    ? readFileSync(listFile, "utf8").split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean)
    : [];
  const onDisk = readdirSync(dir).filter((f) => f.endsWith(".sql"));
  const unlisted = onDisk.filter((f) => !listed.includes(f));
  if (unlisted.length) throw new Error(`sql/concepts.txt does not list ${unlisted.join(", ")}: add each file where it belongs in the order`);
  const missing = listed.filter((f) => !onDisk.includes(f));
  if (missing.length) throw new Error(`sql/concepts.txt lists ${missing.join(", ")}, which do not exist in ${dir}`);
  return listed;
}

async function runFile(tx: TransactionSql, path: string): Promise<void> {
  try {
    await tx.unsafe(readFileSync(path, "utf8"));
  } catch (e) {
    const err = e as Error & { position?: string };
    throw new Error(`${path}: ${err.message}${err.position ? ` (at character ${err.position})` : ""}`, { cause: e });
  }
}
