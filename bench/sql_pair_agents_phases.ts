/**
 * Where pair_agents spends its time: a copy of the function with `raise notice` timings after
 * each phase (round 1 includes reading the eligible pool; then later rounds, matches, busy rows,
 * jobs, events), then the commit (which runs pg-boss's deferred foreign-key checks), and the WAL
 * one call writes (pg_stat_wal). Prints each run and the median of each phase. The copy is made
 * from the installed definition, so it times the code in sql/matchmaking.sql; the bench fails
 * if a marker's anchor is no longer found in it.
 *
 *   node --import tsx bench/sql_pair_agents_phases.ts [agents=100000] [runs=3]
 */
import postgres from "postgres";
import { benchDatabase, seedEligibleAgents } from "./_sql_db.ts";

const agents = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 3);
const env = "bench-phases";
const db = await benchDatabase(4);
const { sql } = db;

/** Inserts `code` before (or after) `anchor` in the function text; fails loudly when the anchor moved. */
function insert(text: string, anchor: string, code: string, after = false): string {
  const at = text.indexOf(anchor);
  if (at < 0) throw new Error(`anchor not found in pair_agents: ${JSON.stringify(anchor)}`);
  const cut = after ? at + anchor.length : at;
  return text.slice(0, cut) + code + text.slice(cut);
}
const mark = (label: string) => `raise notice '%', '${label} at ' || extract(milliseconds from clock_timestamp() - v_t0)::int || ' ms';\n  `;

try {
  await seedEligibleAgents(sql, env, agents);
  const [{ def }] = await sql`select pg_get_functiondef('pair_agents(text)'::regprocedure) as def`;
  let copy = (def as string).replace("FUNCTION public.pair_agents(", "FUNCTION public.pair_agents_timed(");
  copy = insert(copy, "v_deadline interval;", " v_t0 timestamptz := clock_timestamp();", true);
  copy = insert(copy, "v_left := cardinality(v_pool_ids);", ` raise notice '%', 'round ' || v_round || ' (' || v_left || ' agents left unpaired) at ' || extract(milliseconds from clock_timestamp() - v_t0)::int || ' ms';`, true);
  copy = insert(copy, "insert into busy_agents", mark("matches"));
  copy = insert(copy, "perform enqueue_jobs", mark("busy rows"));
  copy = insert(copy, "perform arena_private.emit_event_json(", mark("jobs"));
  copy = insert(copy, "  group by (n - 1) / 50;\n", mark("events"), true);
  await sql.unsafe(copy);

  const t = performance.now();
  console.log(`${db.server}: ${agents} eligible agents; the eligible pool alone: ` +
    `${(await sql`select count(*)::int as n from matchmaking_pool(${env}, now())`)[0].n} rows in ${(performance.now() - t).toFixed(0)} ms`);
  // Each run starts from the same pool, like bench/sql_pair_agents.ts: the previous run's
  // matches, busy rows and jobs are removed first.
  const phases = new Map<string, number[]>();
  const notices: string[] = [];
  const conn = postgres(db.url, { max: 1, onnotice: (n) => notices.push(n.message) });
  for (let run = 1; run <= runs; run++) {
    await sql`truncate busy_agents, matches cascade`;
    await sql`delete from pgboss.job where name = 'match.run'`;
    await sql`vacuum analyze matches, busy_agents, pgboss.job_common`;
    notices.length = 0;
    const [wal0] = await sql`select wal_records, wal_bytes from pg_stat_wal`;
    const started = performance.now();
    let called = 0;
    let matches = 0;
    await conn.begin(async (tx) => {
      matches = (await tx`select count(*)::int as n from pair_agents_timed(${env})`)[0].n;
      called = performance.now() - started;
    });
    const total = performance.now() - started;
    const [wal1] = await sql`select wal_records, wal_bytes from pg_stat_wal`;
    // "round 1 (… left unpaired) at 557 ms" → each phase's own duration
    let previous = 0;
    const parts: string[] = [];
    const record = (label: string, at: number) => {
      parts.push(`${label} ${(at - previous).toFixed(0)}`);
      phases.set(label, [...(phases.get(label) ?? []), at - previous]);
      previous = at;
    };
    for (const n of notices) {
      const m = /^(.*) at (\d+) ms$/.exec(n);
      if (m) record(m[1].replace(/ \(.*\)/, ""), Number(m[2]));
    }
    record("function return", called);
    record("commit", total);
    console.log(`run ${run}: ${matches} matches in ${total.toFixed(0)} ms = ${parts.join(" + ")} ms; ` +
      `WAL ${Number(wal1.wal_records) - Number(wal0.wal_records)} records, ${((Number(wal1.wal_bytes) - Number(wal0.wal_bytes)) / 1e6).toFixed(1)} MB` +
      ` (pg_stat_wal may lag)`);
    if (run === 1) for (const n of notices) if (n.startsWith("round")) console.log(`  ${n}`);
  }
  await conn.end();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`median of ${runs} runs: ${[...phases].map(([label, xs]) => `${label} ${median(xs).toFixed(0)}`).join(", ")} ms`);
} finally {
  await db.close();
}
