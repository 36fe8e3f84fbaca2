/**
 * pair_agents on 100,000 eligible agents in one environment (issue 4 target: < 2 s, ~50,000
 * matches). Each run starts from the same pool: the matches, busy rows and match.run jobs of the
 * previous run are removed. Every run also measures, on the same database just before it,
 * baselines that bound what pair_agents can cost on this machine:
 *   - "bare matches insert": one INSERT … SELECT of 50,000 match rows (same table, indexes and
 *     values, adjacent agents paired, no rules), rolled back;
 *   - "write floor": the rows pair_agents must write, written bare in one committed transaction
 *     — 50,000 matches (adjacent agents in rating order, no eligibility rules, no windows),
 *     their 100,000 busy_agents rows and 50,000 match.run jobs through enqueue_jobs, no events;
 *   - "pg-boss insert": pg-boss's own boss.insert() of 50,000 match.run jobs.
 * Reports wall time and the PostgreSQL backend's CPU time (from /proc, steadier on a busy
 * machine), and checks that no agent is in two matches and every pair is within ±500.
 *
 *   node --import tsx bench/sql_pair_agents.ts [agents=100000] [runs=3]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/sql_pair_agents.ts
 *   BENCH_FLOOR_WITHOUT_TRIGGERS=1 node --import tsx bench/sql_pair_agents.ts 100000 1
 *     diagnostic (needs a superuser): the write floor with every trigger — so every foreign-key
 *     and delete-guard check — switched off on matches, busy_agents and pg-boss's job table.
 */
import { loadavg } from "node:os";
import { PgBoss } from "pg-boss";
import type { Sql } from "postgres";
import { backendCpuMs, benchDatabase, seedEligibleAgents } from "./_sql_db.ts";

const agents = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 3);
const env = "bench-pairing";

const db = await benchDatabase();
const { sql } = db;
const boss = new PgBoss({ connectionString: db.url, max: 2, supervise: false, schedule: false });
boss.on("error", () => {});
await boss.start();

/** Runs `fn` on one reserved connection; returns its result with wall and backend CPU ms. */
async function measure<T>(fn: (c: Sql) => Promise<T>): Promise<{ value: T; wall: number; cpu: number | null }> {
  const conn = await sql.reserve();
  try {
    const [{ pid }] = await conn`select pg_backend_pid() as pid`;
    const cpu0 = backendCpuMs(pid);
    const t0 = process.hrtime.bigint();
    const value = await fn(conn as unknown as Sql);
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu1 = backendCpuMs(pid);
    return { value, wall, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
  } finally {
    conn.release();
  }
}

const fmt = (m: { wall: number; cpu: number | null }) => `${m.wall.toFixed(0)} ms wall${m.cpu === null ? "" : ` / ${m.cpu} ms CPU`}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const seeded = Date.now();
  await seedEligibleAgents(sql, env, agents);
  console.log(`${db.server}: seeded ${agents} eligible agents in ${((Date.now() - seeded) / 1000).toFixed(1)} s; load average ${loadavg()[0].toFixed(1)}`);
  const results = { pair: [] as number[], pairCpu: [] as number[], bare: [] as number[], floor: [] as number[], boss: [] as number[] };
  for (let run = 1; run <= runs; run++) {
    await sql`truncate busy_agents, matches cascade`;
    await sql`delete from pgboss.job where name = 'match.run'`;
    await sql`vacuum analyze matches, busy_agents, pgboss.job_common`;

    const bare = await measure(async (c) => {
      await c.unsafe("begin");
      await c`insert into matches (environment_id, environment_version, player0_agent_id, player1_agent_id,
                                    player0_submission_id, player1_submission_id, seed, deadline)
               select ${env}, '1.0.0', a.id, b.id, a.active_submission_id, b.active_submission_id,
                      floor(random() * 4294967296)::bigint, now() + interval '1 hour'
               from (select id, active_submission_id, row_number() over (order by rating, id) as rn from agents where environment_id = ${env}) a
               join (select id, active_submission_id, row_number() over (order by rating, id) as rn from agents where environment_id = ${env}) b
                 on b.rn = a.rn + 1 where a.rn % 2 = 1`;
      await c.unsafe("rollback");
    });
    const noTriggers = process.env.BENCH_FLOOR_WITHOUT_TRIGGERS === "1";
    const floorTables = ["matches", "busy_agents", "pgboss.job_common"];
    if (noTriggers) for (const t of floorTables) await sql.unsafe(`alter table ${t} disable trigger all`);
    const floor = await measure(async (c) => {
      await c.unsafe("begin");
      await c`create temp table floor_pairs on commit drop as
               select gen_random_uuid() as id, a.id as a, a.active_submission_id as sa, b.id as b, b.active_submission_id as sb
               from (select id, active_submission_id, row_number() over (order by rating, id) as rn from agents where environment_id = ${env}) a
               join (select id, active_submission_id, row_number() over (order by rating, id) as rn from agents where environment_id = ${env}) b
                 on b.rn = a.rn + 1 where a.rn % 2 = 1`;
      await c`insert into matches (id, environment_id, environment_version, player0_agent_id, player1_agent_id,
                                    player0_submission_id, player1_submission_id, seed, deadline)
               select id, ${env}, '1.0.0', a, b, sa, sb, floor(random() * 4294967296)::bigint, now() + interval '1 hour' from floor_pairs`;
      await c`insert into busy_agents (agent_id, match_id) select a, id from floor_pairs union all select b, id from floor_pairs`;
      await c`select enqueue_jobs('match.run', (select array_agg(jsonb_build_object('matchId', id)) from floor_pairs))`;
      await c.unsafe("commit");
    });
    if (noTriggers) for (const t of floorTables) await sql.unsafe(`alter table ${t} enable trigger all`);
    await sql`delete from pgboss.job where name = 'match.run'`;
    await sql`truncate busy_agents, matches cascade`;
    await sql`vacuum analyze matches, busy_agents, pgboss.job_common`;
    const jobs = Array.from({ length: Math.floor(agents / 2) }, (_, i) => ({ data: { matchId: `baseline-${i}` } }));
    const t0 = process.hrtime.bigint();
    await boss.insert("match.run", jobs);
    const bossMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await sql`delete from pgboss.job where name = 'match.run'`;
    await sql`truncate busy_agents, matches cascade`;
    await sql`vacuum analyze matches, busy_agents, pgboss.job_common`;

    const pair = await measure(async (c) => (await c`select count(*)::int as n from pair_agents(${env})`)[0].n as number);
    const n = pair.value;
    const [check] = await sql`
      select (select count(*)::int from pgboss.job where name = 'match.run') as jobs,
             (select count(*)::int from busy_agents) as busy,
             (select count(*)::int from (select agent_id from (select player0_agent_id as agent_id from matches where environment_id = ${env}
                union all select player1_agent_id from matches where environment_id = ${env}) s group by agent_id having count(*) > 1) d) as doubled,
             (select count(*)::int from matches m join agents a on a.id = m.player0_agent_id join agents b on b.id = m.player1_agent_id
                where m.environment_id = ${env} and abs(a.rating - b.rating) > 500) as too_far`;
    console.log(`run ${run}: pair_agents ${n} matches in ${fmt(pair)} | bare insert of ${Math.floor(agents / 2)} matches ${fmt(bare)} | write floor${noTriggers ? " WITHOUT TRIGGERS" : ""} ${fmt(floor)} | pg-boss insert of ${jobs.length} jobs ${bossMs.toFixed(0)} ms wall`
      + ` | checks: ${check.jobs} jobs, ${check.busy} busy agents, ${check.doubled} agents in two matches, ${check.too_far} pairs over ±500`);
    if (check.doubled || check.too_far || check.jobs !== n || check.busy !== 2 * n) throw new Error("pairing produced an inconsistent result");
    results.pair.push(pair.wall);
    if (pair.cpu !== null) results.pairCpu.push(pair.cpu);
    results.bare.push(bare.wall);
    results.floor.push(floor.wall);
    results.boss.push(bossMs);
  }
  console.log(`pair_agents on ${agents} agents: median ${median(results.pair).toFixed(0)} ms wall` +
    (results.pairCpu.length ? ` (${median(results.pairCpu)} ms backend CPU)` : "") +
    `; baselines: bare matches insert ${median(results.bare).toFixed(0)} ms, write floor (matches + busy rows + jobs, committed) ${median(results.floor).toFixed(0)} ms, pg-boss job insert ${median(results.boss).toFixed(0)} ms` +
    `; ${runs} runs; target < 2000 ms; load average ${loadavg()[0].toFixed(1)}`);
} finally {
  await boss.stop({ graceful: false, close: true } as never).catch(() => {});
  await db.close();
}
