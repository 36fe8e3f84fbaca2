/**
 * Where pair_agents spends its time: a copy of the function with `raise notice` timings after
 * each phase (eligible pool + each pairing round, matches, busy rows, jobs, events), then the
 * commit, and the WAL one call writes (pg_stat_wal). The copy is made from the installed
 * definition, so it times the code in sql/matchmaking.sql; the bench fails if a marker's
 * anchor is no longer found in it.
 *
 *   node --import tsx bench/sql_pair_agents_phases.ts [agents=100000]
 */
import postgres from "postgres";
import { benchDatabase, seedEligibleAgents } from "./_sql_db.ts";

const agents = Number(process.argv[2] ?? 100_000);
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
  copy = insert(copy, "get diagnostics v_left = row_count;", ` raise notice '%', 'round ' || v_round || ' (' || v_left || ' agents left unpaired) at ' || extract(milliseconds from clock_timestamp() - v_t0)::int || ' ms';`, true);
  copy = insert(copy, "return query\n", mark("pairing done"));
  copy = insert(copy, "insert into busy_agents", mark("matches inserted"));
  copy = insert(copy, "perform enqueue_jobs", mark("busy rows inserted"));
  copy = insert(copy, "perform emit_event(", mark("jobs inserted"));
  copy = insert(copy, "truncate pair_pool_a, pair_pool_b, pair_pairs;\nend", mark("events emitted"));
  await sql.unsafe(copy);

  const t = performance.now();
  console.log(`${db.server}: ${agents} eligible agents; the eligible pool alone: ` +
    `${(await sql`select count(*)::int as n from matchmaking_pool(${env}, now())`)[0].n} rows in ${(performance.now() - t).toFixed(0)} ms`);
  const [wal0] = await sql`select wal_records, wal_bytes from pg_stat_wal`;
  const conn = postgres(db.url, { max: 1, onnotice: (n) => console.log(`  ${n.message}`) });
  const started = performance.now();
  let called = 0;
  await conn.begin(async (tx) => {
    const [{ n }] = await tx`select count(*)::int as n from pair_agents_timed(${env})`;
    called = performance.now() - started;
    console.log(`  function returned ${n} matches at ${called.toFixed(0)} ms`);
  });
  const total = performance.now() - started;
  await conn.end();
  const [wal1] = await sql`select wal_records, wal_bytes from pg_stat_wal`;
  console.log(`commit ${(total - called).toFixed(0)} ms; total ${total.toFixed(0)} ms; WAL written: ` +
    `${Number(wal1.wal_records) - Number(wal0.wal_records)} records, ${((Number(wal1.wal_bytes) - Number(wal0.wal_bytes)) / 1e6).toFixed(1)} MB`);
} finally {
  await db.close();
}
