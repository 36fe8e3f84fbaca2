/**
 * finish_match throughput (issue 4 target: ≥ 500 results/s). 4 × `matches` agents are paired
 * into 2 × `matches` matches by pair_agents and started; then each half is finished through
 * `concurrency` connections, each call in its own transaction (commit per result, fsync on),
 * with a gzip replay of a 1,000-step Pong-like episode and a stderr log per seat:
 *   1. baseline: `select finish_match(…)`, whose events are NOTIFYed inside the result's
 *      transaction (so commits queue on PostgreSQL's NOTIFY lock);
 *   2. `call finish_match_then_notify(…)` — what the match worker sends: the result commits,
 *      then its events are sent;
 *   (1 and 2 alternate in chunks of a fifth; a LISTEN connection counts the match.finished events)
 *   3. the same call again on the second half (the exactly-once no-op).
 *
 *   node --import tsx bench/sql_finish_match.ts [matches=5000] [concurrency=16]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/sql_finish_match.ts
 *   BENCH_NO_NOTIFY=1 node --import tsx bench/sql_finish_match.ts     # diagnostic: no NOTIFY at all
 */
import { gzipSync } from "node:zlib";
import { loadavg } from "node:os";
import { benchDatabase, databaseBackendsCpuMs, seedEligibleAgents } from "./_sql_db.ts";

const matches = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 16);
const env = "bench-results";
/** BENCH_NO_REPLAY=1 finishes matches without replay and logs, to see what storing them costs. */
const withReplay = process.env.BENCH_NO_REPLAY !== "1";
/**
 * BENCH_NO_NOTIFY=1 (diagnostic): emit_event is replaced by a no-op in the bench database, to
 * see what NOTIFY costs. The LISTEN check is skipped then, as nothing is sent.
 */
const noNotify = process.env.BENCH_NO_NOTIFY === "1";

const db = await benchDatabase(concurrency + 2);
const { sql } = db;
try {
  await seedEligibleAgents(sql, env, matches * 4, 500);
  await sql`update agents set rating = 1500 where environment_id = ${env}`; // everyone pairs
  if (noNotify) await sql`create or replace function emit_event(p_type text, p_payload jsonb) returns void language sql as $$ select $$`;
  const all = (await sql`select id from pair_agents(${env})`).map((r) => r.id as string);
  await sql`select count(*) from unnest(${all}::uuid[]) as m(id), lateral start_match(m.id)`;
  const halves = [all.slice(0, matches), all.slice(matches, 2 * matches)];
  if (halves[1]!.length !== matches) throw new Error(`pair_agents made ${all.length} matches, expected ${2 * matches}`);
  let heard = 0;
  const listener = await sql.listen("rla_events", (payload) => {
    if (JSON.parse(payload).type === "match.finished") heard++;
  });
  const steps = Array.from({ length: 1000 }, (_, i) => ({
    step: i, actions: [i % 3, (i * 7) % 3], rewards: [0, 0],
    render: { ball: [Math.fround(0.5 + Math.sin(i / 9) / 3), Math.fround(0.5 + Math.cos(i / 7) / 3)], paddles: [0.5, 0.45] },
  }));
  const replay = gzipSync(Buffer.from(JSON.stringify({ schema_version: 1, steps })));
  const logs = ["agent 0 starting\n".repeat(50), "agent 1 starting\n".repeat(50)];
  console.log(`${db.server}: ${all.length} running matches; replay ${replay.length} bytes gzip; ${concurrency} connections`);

  interface Tally { results: number; seconds: number; cpuMs: number; walRecords: number; walBytes: number }
  const tally = (): Tally => ({ results: 0, seconds: 0, cpuMs: 0, walRecords: 0, walBytes: 0 });
  /** Finishes `ids` through `concurrency` connections with `call`, adding what it took to `into`. */
  const runPass = async (into: Tally, ids: string[], call: (id: string, outcome: object) => Promise<unknown>) => {
    const queue = [...ids];
    let i = 0;
    const cpu0 = databaseBackendsCpuMs(db.name);
    const [wal0] = await sql`select wal_records, wal_bytes from pg_stat_wal`;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let id = queue.pop(); id; id = queue.pop()) {
        const n = i++;
        const outcome = { winner: n % 3 === 2 ? null : n % 2, scores: [n % 11, (n + 3) % 11], end_reason: "completed", total_steps: 1000 };
        await call(id, outcome);
      }
    }));
    into.seconds += Number(process.hrtime.bigint() - started) / 1e9;
    into.cpuMs += databaseBackendsCpuMs(db.name) - cpu0;
    const [wal1] = await sql`select wal_records, wal_bytes from pg_stat_wal`;
    into.walRecords += Number(wal1.wal_records) - Number(wal0.wal_records);
    into.walBytes += Number(wal1.wal_bytes) - Number(wal0.wal_bytes);
    into.results += ids.length;
  };
  const report = (label: string, t: Tally) => console.log(`${label}: ${t.results} results in ${t.seconds.toFixed(2)} s = ${(t.results / t.seconds).toFixed(0)} results/s; ` +
    `backends used ${(t.cpuMs / 1000).toFixed(1)} s CPU = ${(t.cpuMs / t.results).toFixed(2)} ms per result; ` +
    `WAL per result: ${(t.walRecords / t.results).toFixed(1)} records, ${(t.walBytes / t.results).toFixed(0)} bytes; load average ${loadavg()[0].toFixed(1)}`);
  const [r, l] = [withReplay ? replay : null, withReplay ? logs : null];
  const viaFunction = (id: string, o: object) => sql`select status from finish_match(${id}, ${sql.json(o as never)}, ${r}, ${l})`;
  const viaProcedure = (id: string, o: object) => sql`call finish_match_then_notify(${id}, ${sql.json(o as never)}, ${r}, ${l})`;
  // The two ways alternate in 5 chunks each, so neither gains from running second (warm caches)
  // or loses from running on bigger tables.
  const [fn, proc] = [tally(), tally()];
  heard = 0;
  const chunk = Math.ceil(matches / 5);
  for (let c = 0; c < matches; c += chunk) {
    await runPass(fn, halves[0]!.slice(c, c + chunk), viaFunction);
    await runPass(proc, halves[1]!.slice(c, c + chunk), viaProcedure);
  }
  report("baseline: select finish_match (events NOTIFYed inside the result's transaction)", fn);
  report("call finish_match_then_notify (what the worker sends: commit, then events)", proc);
  await new Promise((res) => setTimeout(res, 500));
  console.log(`match.finished events heard by a LISTEN connection: ${heard} of ${2 * matches} (both ways notify)`);
  if (heard !== (noNotify ? 0 : 2 * matches)) throw new Error(`expected ${noNotify ? 0 : 2 * matches} match.finished events, heard ${heard}`);
  const repeat = tally();
  await runPass(repeat, halves[1]!, viaProcedure);
  report("call finish_match_then_notify again (exactly-once no-op)", repeat);
  await listener.unlisten();
  const [check] = await sql`select count(*) filter (where status = 'completed')::int as completed,
    (select count(*)::int from rating_history) as history, (select count(*)::int from replays) as replays
    from matches where environment_id = ${env}`;
  console.log(`check: ${check.completed} completed, ${check.history} rating history rows, ${check.replays} replays`);
  if (check.completed !== all.length || check.history !== 2 * all.length) throw new Error("results went missing");
} finally {
  await db.close();
}
