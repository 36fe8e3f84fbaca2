/**
 * A migrated database for the SQL benchmarks: a fresh embedded PostgreSQL in a temporary
 * folder, or a new database on the server named by BENCH_DATABASE_URL (its maintenance
 * database URL, e.g. postgres://postgres@127.0.0.1:5432/postgres; the bench database is dropped
 * at the end).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { createSql, type Sql } from "../src/db/client.ts";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedCluster } from "../src/db/embedded.ts";
import { prepareDatabase } from "../src/db/prepare.ts";
import { createLogger } from "../src/log.ts";

export interface BenchDatabase {
  url: string;
  /** The database's name (it appears in its backends' process titles). */
  name: string;
  sql: Sql;
  server: string;
  close(): Promise<void>;
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

export async function benchDatabase(max = 10): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "rla-bench-sql-"));
  let cluster: EmbeddedCluster | null = null;
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    cluster = await startEmbeddedPostgres(join(dataDir, "pg"), await freePort());
    adminUrl = cluster.adminUrl;
  }
  const name = `rla_bench_sql_${process.pid}`;
  const url = await ensureDatabase(adminUrl, name);
  await prepareDatabase(url, createLogger({ level: "warn" }));
  const sql = createSql(url, { max });
  const [{ version }] = await sql`select current_setting('server_version') as version`;
  return {
    url,
    name,
    sql,
    server: `PostgreSQL ${version}${cluster ? " (embedded)" : ""}`,
    async close() {
      await sql.end({ timeout: 5 });
      const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end({ timeout: 5 });
      await cluster?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Seeds `count` agents in environment `env` that are all eligible for matchmaking: active
 * built-in versions, ratings spread over 1000–2000, waiting 0–9 minutes. Rows are inserted in
 * bulk (not through create_agent) so that seeding 100,000 agents takes seconds; the rows are the
 * same ones the functions would write.
 */
export async function seedEligibleAgents(sql: Sql, env: string, count: number, owners = 1000): Promise<void> {
  await sql`select upsert_environment(${env}, '1.0.0', ${"Bench " + env}, '{}')`;
  await sql`insert into users (username, email, password_hash)
            select 'bench_' || ${env} || '_' || g, 'bench_' || ${env} || '_' || g || '@example.com', 'x'
            from generate_series(1, ${owners}) g`;
  await sql`
    with owners as (select id, row_number() over (order by id) - 1 as i from users where username like ${"bench_" + env + "_%"})
    insert into agents (owner_id, environment_id, name, rating, active_since)
    select o.id, ${env}, 'agent' || g, 1000 + floor(random() * 1001)::int, now() - floor(random() * 600) * interval '1 second'
    from generate_series(1, ${count}) g join owners o on o.i = g % ${owners}`;
  await sql`
    insert into submissions (agent_id, version, status, language, entry, build_log, started_at, finished_at)
    select id, 1, 'active', 'builtin', 'random', 'bench', now(), now() from agents where environment_id = ${env}`;
  await sql`update agents a set active_submission_id = s.id from submissions s where s.agent_id = a.id and a.environment_id = ${env}`;
  await sql`insert into agent_match_stats (agent_id) select id from agents where environment_id = ${env}`;
  await sql`vacuum analyze agents`.catch(() => {});
  await sql`analyze`;
}

/**
 * CPU time (user + system, ms) a PostgreSQL backend has used, read from /proc — a figure that a
 * busy machine disturbs far less than wall time. Null when the server is not on this machine.
 */
export function backendCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in 1/100 s
  } catch {
    return null;
  }
}

/** Total CPU ms used so far by every backend connected to database `name` (process titles in /proc). */
export function databaseBackendsCpuMs(name: string): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(` ${name} `)) continue;
      total += backendCpuMs(Number(pid)) ?? 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}
