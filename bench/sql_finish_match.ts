/**
 * finish_match throughput (issue 4 target: ≥ 500 results/s). 10,000 agents are paired into
 * 5,000 matches by pair_agents and started; then every match is finished through
 * `concurrency` connections, each call in its own transaction (commit per result, fsync on),
 * with a gzip replay of a 1,000-step Pong-like episode and a stderr log per seat — what the
 * match worker sends. A second pass finishes the same matches again (the exactly-once no-op).
 *
 *   node --import tsx bench/sql_finish_match.ts [matches=5000] [concurrency=16]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/sql_finish_match.ts
 */
import { gzipSync } from "node:zlib";
import { benchDatabase, seedEligibleAgents } from "./_sql_db.ts";

const matches = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 16);
const env = "bench-results";

const db = await benchDatabase(concurrency + 2);
const { sql } = db;
try {
  await seedEligibleAgents(sql, env, matches * 2, 500);
  await sql`update agents set rating = 1500 where environment_id = ${env}`; // everyone pairs
  const ids = (await sql`select id from pair_agents(${env})`).map((r) => r.id as string);
  await sql`select count(*) from unnest(${ids}::uuid[]) as m(id), lateral start_match(m.id)`;
  const steps = Array.from({ length: 1000 }, (_, i) => ({
    step: i, actions: [i % 3, (i * 7) % 3], rewards: [0, 0],
    render: { ball: [Math.fround(0.5 + Math.sin(i / 9) / 3), Math.fround(0.5 + Math.cos(i / 7) / 3)], paddles: [0.5, 0.45] },
  }));
  const replay = gzipSync(Buffer.from(JSON.stringify({ schema_version: 1, steps })));
  const logs = ["agent 0 starting\n".repeat(50), "agent 1 starting\n".repeat(50)];
  console.log(`${db.server}: ${ids.length} running matches; replay ${replay.length} bytes gzip; ${concurrency} connections`);

  const runPass = async (label: string) => {
    const queue = [...ids];
    let i = 0;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let id = queue.pop(); id; id = queue.pop()) {
        const n = i++;
        const outcome = { winner: n % 3 === 2 ? null : n % 2, scores: [n % 11, (n + 3) % 11], end_reason: "completed", total_steps: 1000 };
        await sql`select status from finish_match(${id}, ${sql.json(outcome)}, ${replay}, ${logs})`;
      }
    }));
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`${label}: ${ids.length} results in ${s.toFixed(2)} s = ${(ids.length / s).toFixed(0)} results/s`);
  };
  await runPass("finish_match (first call: ratings, history, stats, replay, logs)");
  await runPass("finish_match again (exactly-once no-op)");
  const [check] = await sql`select count(*) filter (where status = 'completed')::int as completed,
    (select count(*)::int from rating_history) as history, (select count(*)::int from replays) as replays
    from matches where environment_id = ${env}`;
  console.log(`check: ${check.completed} completed, ${check.history} rating history rows, ${check.replays} replays`);
  if (check.completed !== ids.length || check.history !== 2 * ids.length) throw new Error("results went missing");
} finally {
  await db.close();
}
