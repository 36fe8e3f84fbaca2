import { gunzipSync, gzipSync } from "node:zlib";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { atTime, insertMatch, makeAgent, makeUser, outcome } from "./helpers/sql_fixtures.ts";

// sql/match_reads.sql: the reads the web layer uses instead of joining tables itself (issue 12).
const db = await createTestDatabase();
const sql = db.sql;
const owner = await makeUser(sql);
const rival = await makeUser(sql);

/** A started match between a new agent of `owner` (seat 0) and one of `rival` (seat 1). */
async function started(): Promise<{ a: string; b: string; m: string }> {
  const a = await makeAgent(sql, owner.id);
  const b = await makeAgent(sql, rival.id);
  const m = await insertMatch(sql, a, b);
  await sql`select match_id from start_match(${m})`;
  return { a, b, m };
}

test("match_replay gives a match's status and stored replay, null data before it has one, no row for an unknown match", async () => {
  // Setup
  const { m } = await started();
  // Action / Assertions
  const [before] = await sql`select * from match_replay(${m})`;
  assert.equal([before.status, before.data], ["running", null]);
  await sql`select finish_match(${m}, ${sql.json(outcome(0) as never)}, ${gzipSync('{"frames":[]}')})`;
  const [after] = await sql`select * from match_replay(${m})`;
  assert.is(after.status, "completed");
  assert.is(gunzipSync(after.data).toString(), '{"frames":[]}');
  assert.is((await sql`select * from match_replay(${"00000000-0000-7000-8000-000000000000"})`).length, 0);
});

test("match_logs_for returns each visible seat's step timeline with its log, and no other seat's", async () => {
  // Setup
  const { m } = await started();
  await sql`select finish_match(${m}, ${sql.json(outcome(1) as never)}, null, ${["mine", "theirs"]})`;
  await sql`select record_match_timings(${m}, ${sql.json({ step_timeout_ms: 1000, time_bank_ms: 60000, seats: [{ ms: [5] }, { ms: [7] }] } as never)})`;
  // Action
  const mine = await sql`select seat, log, timing from match_logs_for(${owner.id}, ${m})`;
  // Assertions
  assert.equal(mine.map((r) => [r.seat, r.log, r.timing.ms]), [[0, "mine", [5]]]);
});

test("forfeiting_agents counts the faulting agent's forfeits by kind within the window, most first", async () => {
  // Setup: a crashes twice, b times out once, and a plain win is no forfeit.
  const crash = { winner: 1, scores: [0, 1], end_reason: "crash", total_steps: 3, faulted_player: 0 };
  const first = await started();
  await sql`select finish_match(${first.m}, ${sql.json(crash as never)})`;
  const again = await insertMatch(sql, first.a, await makeAgent(sql, rival.id));
  await sql`select match_id from start_match(${again})`;
  await sql`select finish_match(${again}, ${sql.json(crash as never)})`;
  const slow = await started();
  await sql`select finish_match(${slow.m}, ${sql.json({ winner: 0, scores: [1, 0], end_reason: "timeout", total_steps: 9, faulted_player: 1 } as never)})`;
  const plain = await started();
  await sql`select finish_match(${plain.m}, ${sql.json(outcome(0) as never)})`;
  // Action
  const rows = await sql`select * from forfeiting_agents(interval '1 hour', 10)`;
  // Assertions
  assert.equal(rows.map((r) => [r.agent_id, r.forfeits, r.crashes, r.timeouts]), [[first.a, 2, 2, 0], [slow.b, 1, 0, 1]]);
  assert.is((await sql`select * from forfeiting_agents(interval '1 hour', 1)`).length, 1);
  const later = await atTime(sql, new Date(Date.now() + 2 * 3600_000), (tx) => tx`select * from forfeiting_agents(interval '1 hour', 10)`);
  assert.is(later.length, 0, "two hours on, the window holds none of them");
});

test("match_activity counts open matches and those that ended within the window, forfeits among them", async () => {
  // Setup
  const [before] = await sql`select * from match_activity(interval '1 hour')`;
  await insertMatch(sql, await makeAgent(sql, owner.id), await makeAgent(sql, rival.id)); // pending
  await started(); // running
  const crashed = await started();
  await sql`select finish_match(${crashed.m}, ${sql.json({ winner: 1, scores: [0, 1], end_reason: "crash", total_steps: 3, faulted_player: 0 } as never)})`;
  const broken = await started();
  await sql`select fail_match(${broken.m}, 'worker lost')`;
  // Action
  const [now] = await sql`select * from match_activity(interval '1 hour')`;
  const later = await atTime(sql, new Date(Date.now() + 2 * 3600_000), async (tx) => (await tx`select * from match_activity(interval '1 hour')`)[0]!);
  // Assertions
  const delta = (k: string) => now[k] - before[k];
  assert.equal(["pending", "running", "completed", "failed", "forfeits"].map(delta), [1, 1, 1, 1, 1]);
  assert.ok(now.mean_seconds >= 0);
  assert.equal([later.completed, later.failed, later.forfeits], [0, 0, 0], "two hours on, none ended within the window");
});

test.after(() => db.drop());

test.run();
