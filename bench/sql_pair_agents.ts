/**
 * pair_agents on 100,000 eligible agents in one environment (issue 4 target: < 2 s, ~50,000
 * matches). Each run starts from the same pool: the matches, busy rows and match.run jobs of the
 * previous run are deleted. Reports every run and the median, and checks that no agent is in
 * two matches and that every pair is within the rating window.
 *
 *   node --import tsx bench/sql_pair_agents.ts [agents=100000] [runs=3]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/sql_pair_agents.ts
 */
import { benchDatabase, seedEligibleAgents } from "./_sql_db.ts";

const agents = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 3);
const env = "bench-pairing";

const db = await benchDatabase();
const { sql } = db;
try {
  const seeded = Date.now();
  await seedEligibleAgents(sql, env, agents);
  console.log(`${db.server}: seeded ${agents} eligible agents in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
  const times: number[] = [];
  for (let run = 1; run <= runs; run++) {
    await sql`delete from busy_agents`;
    await sql`delete from matches where environment_id = ${env}`;
    await sql`delete from pgboss.job where name = 'match.run'`;
    await sql`vacuum analyze matches, busy_agents, pgboss.job_common`;
    const started = process.hrtime.bigint();
    const [{ n }] = await sql`select count(*)::int as n from pair_agents(${env})`;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    times.push(ms);
    const [check] = await sql`
      select (select count(*)::int from pgboss.job where name = 'match.run') as jobs,
             (select count(*)::int from busy_agents) as busy,
             (select count(*)::int from (select agent_id from (select player0_agent_id as agent_id from matches where environment_id = ${env}
                union all select player1_agent_id from matches where environment_id = ${env}) s group by agent_id having count(*) > 1) d) as doubled,
             (select count(*)::int from matches m join agents a on a.id = m.player0_agent_id join agents b on b.id = m.player1_agent_id
                where m.environment_id = ${env} and abs(a.rating - b.rating) > 500) as too_far`;
    console.log(`run ${run}: ${n} matches in ${ms.toFixed(0)} ms (${check.jobs} match.run jobs, ${check.busy} busy agents, ${check.doubled} agents in two matches, ${check.too_far} pairs over ±500)`);
    if (check.doubled || check.too_far || check.jobs !== n || check.busy !== 2 * n) throw new Error("pairing produced an inconsistent result");
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  console.log(`pair_agents, ${agents} eligible agents: median ${median.toFixed(0)} ms over ${runs} runs (target < 2000 ms)`);
} finally {
  await db.close();
}
