import { gzipSync } from "node:zlib";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import {
  atTime, expectCode, insertMatch, listenEvents, makeAgent, makeEnvironment, makeUser, outcome, playMatch, waitFor,
} from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase({ max: 24 });
const sql = db.sql;
const owner = await makeUser(sql);
const rival = await makeUser(sql);
const admin = await makeUser(sql, { admin: true });

async function pair(): Promise<{ a: string; b: string; m: string }> {
  const a = await makeAgent(sql, owner.id);
  const b = await makeAgent(sql, rival.id);
  const m = await insertMatch(sql, a, b);
  await sql`insert into busy_agents (agent_id, match_id) values (${a}, ${m}), (${b}, ${m})`;
  return { a, b, m };
}

test("start_match moves pending to running, counts attempts and returns what the executor needs", async () => {
  const { a, b, m } = await pair();
  await sql`select set_environment_settings(${admin.id}, 'pong', ${sql.json({ step_timeout_s: 2 })})`;
  try {
    const [r] = await sql`select * from start_match(${m})`;
    assert.is(r.match_id, m);
    assert.is(r.environment_id, "pong");
    assert.is(r.environment_version, "1.0.0");
    assert.is(r.attempt, 1);
    assert.is(String(r.seed), "7");
    assert.is(r.player0_agent_id, a);
    assert.is(r.player1_agent_id, b);
    assert.is(r.player0_language, "builtin");
    assert.is(r.player0_entry, "random");
    assert.is(r.player1_owner_id, rival.id);
    assert.is(Number(r.limits.step_timeout_s), 2);
    assert.is(Number(r.limits.time_bank_s), 60);
    assert.is(Number(r.limits.memory_mb), 512);
    const [again] = await sql`select attempt from start_match(${m})`;
    assert.is(again.attempt, 2);
    const [row] = await sql`select status, attempts, started_at from matches where id = ${m}`;
    assert.is(row.status, "running");
    assert.is(row.attempts, 2);
  } finally {
    await sql`select set_environment_settings(${admin.id}, 'pong', '{}')`;
  }
});

test("finish_match records the result once: scores, winner, ratings, counters, history, replay, logs; agents freed", async () => {
  const { a, b, m } = await pair();
  await sql`select start_match(${m})`;
  const replay = gzipSync(Buffer.from(JSON.stringify({ steps: [] })));
  const [r] = await sql`select * from finish_match(${m}, ${sql.json(outcome(1, { total_steps: 321, faulted: null, message: "ok" }) as never)}, ${replay}, ${["log of seat 0", "log of seat 1"]})`;
  assert.is(r.status, "completed");
  assert.is(r.winner_seat, 1);
  assert.equal([r.player0_score, r.player1_score], [1, 3]);
  assert.is(r.end_reason, "completed");
  assert.is(r.total_steps, 321);
  assert.equal(r.details, { faulted: null, message: "ok" });
  assert.equal([r.player0_rating_before, r.player0_rating_after, r.player1_rating_after], [1500, 1480, 1520]);
  assert.ok(r.ended_at instanceof Date);
  const [ag] = await sql`select wins, losses, draws, games from agents where id = ${b}`;
  assert.equal([ag.wins, ag.losses, ag.draws, ag.games], [1, 0, 0, 1]);
  const history = await sql`select agent_id, change from rating_history where match_id = ${m} order by change`;
  assert.equal(history.map((h) => [h.agent_id, h.change]), [[a, -20], [b, 20]]);
  const [rep] = await sql`select data, size_bytes from replays where match_id = ${m}`;
  assert.ok(Buffer.from(rep.data).equals(replay));
  assert.is(rep.size_bytes, replay.length);
  const logs = await sql`select seat, agent_id, log from match_logs where match_id = ${m} order by seat`;
  assert.equal(logs.map((l) => [l.seat, l.agent_id, l.log]), [[0, a, "log of seat 0"], [1, b, "log of seat 1"]]);
  assert.is((await sql`select 1 from busy_agents where match_id = ${m}`).length, 0);
  const [st] = await sql`select matches_today, last_match_ended_at from agent_match_stats where agent_id = ${a}`;
  assert.is(st.matches_today, 1);
  assert.is(st.last_match_ended_at.getTime(), r.ended_at.getTime());
});

test("a repeated finish_match changes nothing and returns the first result", async () => {
  const { a, m } = await pair();
  const first = await playMatch(sql, m, 0);
  const before = await sql`select (select rating from agents where id = ${a}) as rating,
    (select count(*)::int from rating_history where match_id = ${m}) as history,
    (select matches_today from agent_match_stats where agent_id = ${a}) as today`;
  const [second] = await sql`select * from finish_match(${m}, ${sql.json(outcome(1) as never)})`;
  const after = await sql`select (select rating from agents where id = ${a}) as rating,
    (select count(*)::int from rating_history where match_id = ${m}) as history,
    (select matches_today from agent_match_stats where agent_id = ${a}) as today`;
  assert.equal(second, first);
  assert.equal(after, before);
});

test("finish_match refuses a pending match (RLA52), a failed one (RLA51) and malformed input (RLA54, RLA55)", async () => {
  const { m } = await pair();
  await expectCode(sql`select finish_match(${m}, ${sql.json(outcome(0) as never)})`, "RLA52", /start_match/);
  await sql`select start_match(${m})`;
  const bad: unknown[] = [
    { winner: 2, scores: [1, 0], end_reason: "completed" },
    { winner: 0, scores: [1], end_reason: "completed" },
    { winner: 0, scores: ["1", 0], end_reason: "completed" },
    { winner: 0, scores: [1, 0], end_reason: "Not A Reason" },
    { winner: 0, scores: [1, 0], end_reason: "completed", total_steps: -1 },
    { winner: 0, scores: [1, 0], end_reason: "completed", total_steps: 1.5 },
    [1, 2],
  ];
  for (const o of bad) await expectCode(sql`select finish_match(${m}, ${sql.json(o as never)})`, "RLA54");
  await expectCode(sql`select finish_match(${m}, ${sql.json(outcome(0) as never)}, ${Buffer.from("{}")})`, "RLA55");
  await expectCode(sql`select finish_match(${m}, ${sql.json(outcome(0) as never)}, null, ${["only one"]})`, "RLA54");
  await sql`select fail_match(${m}, 'executor crashed')`;
  await expectCode(sql`select finish_match(${m}, ${sql.json(outcome(0) as never)})`, "RLA51", /executor crashed/);
  await expectCode(sql`select start_match(${m})`, "RLA51");
  await expectCode(sql`select start_match(gen_random_uuid())`, "RLA50");
});

test("fail_match changes no rating, applies no cooldown, frees both agents and is a no-op on an ended match", async () => {
  const { a, b, m } = await pair();
  await sql`select start_match(${m})`;
  const [f] = await sql`select * from fail_match(${m}, 'sandbox unavailable')`;
  assert.is(f.status, "failed");
  assert.is(f.error, "sandbox unavailable");
  assert.is(f.player0_rating_change, null);
  const rows = await sql`select a.rating, a.games, s.last_match_ended_at, s.matches_today from agents a join agent_match_stats s on s.agent_id = a.id where a.id in (${a}, ${b})`;
  for (const r of rows) assert.equal([r.rating, r.games, r.last_match_ended_at, r.matches_today], [1500, 0, null, 0]);
  assert.is((await sql`select 1 from busy_agents where agent_id in (${a}, ${b})`).length, 0);
  const [again] = await sql`select * from fail_match(${m}, 'other')`;
  assert.is(again.error, "sandbox unavailable");
  const done = await pair();
  await playMatch(sql, done.m, 0);
  const [c] = await sql`select status from fail_match(${done.m}, 'late')`;
  assert.is(c.status, "completed");
});

test("cancel_match (admin) fails a pending or running match; the worker's later result is refused", async () => {
  const { m } = await pair();
  await sql`select start_match(${m})`;
  await expectCode(sql`select cancel_match(${owner.id}, ${m})`, "RLA15");
  const [c] = await sql`select * from cancel_match(${admin.id}, ${m})`;
  assert.is(c.status, "failed");
  assert.match(c.error, new RegExp(`cancelled by administrator ${admin.username}`));
  await expectCode(sql`select finish_match(${m}, ${sql.json(outcome(0) as never)})`, "RLA51");
  await expectCode(sql`select cancel_match(${admin.id}, ${m})`, "RLA51");
});

test("rerun_match (admin) creates a new pending match with the same agents, versions, seats and seed, and its job", async () => {
  const { a, b, m } = await pair();
  await sql`select fail_match(${m}, 'boom')`;
  const [n] = await sql`select * from rerun_match(${admin.id}, ${m})`;
  assert.is(n.status, "pending");
  assert.is(n.rerun_of, m);
  assert.equal([n.player0_agent_id, n.player1_agent_id, String(n.seed)], [a, b, "7"]);
  assert.is((await sql`select 1 from busy_agents where match_id = ${n.id}`).length, 2);
  assert.is((await sql`select 1 from pgboss.job where name = 'match.run' and data->>'matchId' = ${n.id}`).length, 1);
  await sql`select fail_match(${n.id}, 'again')`;
  const [blocker] = await sql`select * from rerun_match(${admin.id}, ${n.id})`;
  await expectCode(sql`select rerun_match(${admin.id}, ${m})`, "RLA53");
  await playMatch(sql, blocker.id, 0);
  await expectCode(sql`select rerun_match(${admin.id}, ${blocker.id})`, "RLA52", /only a failed match/);
  await expectCode(sql`select rerun_match(${owner.id}, ${m})`, "RLA15");
});

test("expire_matches fails pending and running matches past their deadline and frees their agents", async () => {
  const p = await pair();
  const r = await pair();
  await sql`select start_match(${r.m})`;
  const later = new Date(Date.now() + 2 * 3600_000).toISOString();
  const expired = await atTime(sql, later, (tx) => tx`select id, status, error from expire_matches() where id in (${p.m}, ${r.m}) order by error desc`);
  assert.equal(expired.map((e) => [e.id, e.status, e.error]), [
    [p.m, "failed", "not started before its deadline"],
    [r.m, "failed", "did not finish before its deadline"],
  ]);
  assert.is((await sql`select 1 from busy_agents where match_id in (${p.m}, ${r.m})`).length, 0);
  const [h] = await atTime(sql, later, (tx) => tx`select housekeeping() as h`);
  assert.is(h.h.expiredMatches, 0);
});

test("finished matches count toward the UTC day of their end: 23:59:59 and 00:00:00 fall on different days", async () => {
  const { a, m } = await pair();
  await atTime(sql, "2031-01-01T23:59:59Z", (tx) => playMatch(tx, m, 0));
  const [s1] = await sql`select day, matches_today from agent_match_stats where agent_id = ${a}`;
  assert.equal([s1.day.toISOString().slice(0, 10), s1.matches_today], ["2031-01-01", 1]);
  const b2 = await makeAgent(sql, rival.id);
  const m2 = await insertMatch(sql, a, b2);
  await atTime(sql, "2031-01-01T23:59:59.5Z", (tx) => playMatch(tx, m2, 0));
  const [s2] = await sql`select matches_today from agent_match_stats where agent_id = ${a}`;
  assert.is(s2.matches_today, 2);
  const m3 = await insertMatch(sql, a, b2);
  await atTime(sql, "2031-01-02T00:00:00Z", (tx) => playMatch(tx, m3, null));
  const [s3] = await sql`select day, matches_today from agent_match_stats where agent_id = ${a}`;
  assert.equal([s3.day.toISOString().slice(0, 10), s3.matches_today], ["2031-01-02", 1]);
});

test("match logs are capped in bytes and shown only to the owners of the seats (admins see all)", async () => {
  const { a, m } = await pair();
  const stranger = await makeUser(sql);
  await sql`select set_setting('log_cap_bytes', '2000')`;
  try {
    await sql`select start_match(${m})`;
    await sql`select finish_match(${m}, ${sql.json(outcome(0) as never)}, null, ${["ü".repeat(3000), "short"]})`;
  } finally {
    await sql`select set_setting('log_cap_bytes', '1048576')`;
  }
  const mine = await sql`select * from match_logs_for(${owner.id}, ${m})`;
  assert.is(mine.length, 1);
  assert.is(mine[0].agent_id, a);
  assert.is(mine[0].truncated, true);
  assert.ok(Buffer.byteLength(mine[0].log) <= 2000);
  assert.is((await sql`select * from match_logs_for(${rival.id}, ${m})`)[0].log, "short");
  assert.is((await sql`select * from match_logs_for(${admin.id}, ${m})`).length, 2);
  await expectCode(sql`select * from match_logs_for(${stranger.id}, ${m})`, "RLA14", /owners only/);
});

test("finishing a match notifies match.finished and leaderboard.changed", async () => {
  const { a, b, m } = await pair();
  const listener = await listenEvents(sql);
  try {
    await playMatch(sql, m, 0);
    await waitFor(() => listener.events.some((e) => e.type === "leaderboard.changed"));
    const types = listener.events.filter((e) => e.matchId === m || e.type === "leaderboard.changed").map((e) => e.type);
    assert.equal(types, ["match.started", "match.finished", "leaderboard.changed"]);
    const fin = listener.events.find((e) => e.type === "match.finished")!;
    assert.equal(fin, { type: "match.finished", matchId: m, environment: "pong", agentIds: [a, b], status: "completed" });
  } finally {
    await listener.stop();
  }
});

test("finish_match_then_notify commits the result, then sends its events; a repeat sends none", async () => {
  const { a, b, m } = await pair();
  await sql`select start_match(${m})`;
  const listener = await listenEvents(sql);
  const conn = await sql.reserve();
  try {
    const [r] = await conn`call finish_match_then_notify(${m}, ${sql.json(outcome(1) as never)}, ${gzipSync("{}")}, ${["x", "y"]})`;
    assert.is(r.status, "completed");
    const [row] = await sql`select status, winner_seat, player1_rating_after - player1_rating_before as gain from matches where id = ${m}`;
    assert.equal({ ...row }, { status: "completed", winner_seat: 1, gain: 20 });
    await waitFor(() => listener.events.some((e) => e.type === "leaderboard.changed"));
    const mine = () => listener.events.filter((e) => e.matchId === m || e.type === "leaderboard.changed");
    assert.equal(mine().map((e) => e.type), ["match.finished", "leaderboard.changed"]);
    assert.equal(mine()[0], { type: "match.finished", matchId: m, environment: "pong", agentIds: [a, b], status: "completed" });

    const [again] = await conn`call finish_match_then_notify(${m}, ${sql.json(outcome(0) as never)})`;
    assert.is(again.status, "completed");
    await conn`select emit_event('test.after-repeat', ${sql.json({ matchId: m })})`; // same session: notifies at once
    await waitFor(() => listener.events.some((e) => e.type === "test.after-repeat"));
    assert.equal(mine().map((e) => e.type), ["match.finished", "leaderboard.changed", "test.after-repeat"], "the repeat sent nothing");
    const [{ n }] = await sql`select count(*)::int as n from rating_history where match_id = ${m}`;
    assert.is(n, 2);
  } finally {
    conn.release();
    await listener.stop();
  }
});

test("a failing finish_match_then_notify changes nothing, sends nothing and leaves its session notifying normally", async () => {
  const { m } = await pair(); // still pending: finish_match refuses it (RLA52)
  const listener = await listenEvents(sql);
  const conn = await sql.reserve();
  try {
    await expectCode(conn`call finish_match_then_notify(${m}, ${sql.json(outcome(0) as never)})`, "RLA52");
    const [s] = await conn`select current_setting('rla.defer_events', true) as defer, current_setting('rla.deferred_events', true) as queued`;
    assert.ok(s.defer !== "on", `rla.defer_events is ${s.defer} after the failure`);
    assert.ok(!s.queued, "nothing queued");
    await conn`select emit_event('test.after-failure', ${sql.json({ matchId: m })})`;
    await waitFor(() => listener.events.some((e) => e.type === "test.after-failure"));
    assert.equal(listener.events.filter((e) => e.matchId === m).map((e) => e.type), ["test.after-failure"]);
    const [row] = await sql`select status from matches where id = ${m}`;
    assert.is(row.status, "pending");
  } finally {
    conn.release();
    await listener.stop();
  }
});

test("while events are deferred, emit_event sends nothing and collects the payload; a rollback forgets both the payloads and the deferral", async () => {
  const listener = await listenEvents(sql);
  const conn = await sql.reserve();
  try {
    await conn`begin`;
    await conn`select begin_deferred_events()`;
    await conn`select emit_event('test.deferred', '{"n": 1}')`;
    await conn`select emit_event('test.deferred', '{"n": 2}')`;
    const [held] = await conn`select current_setting('rla.defer_events') as defer, current_setting('rla.deferred_events') as queued`;
    assert.is(held.defer, "on");
    assert.equal(held.queued.split("\n").map((l: string) => JSON.parse(l)), [{ type: "test.deferred", n: 1 }, { type: "test.deferred", n: 2 }]);
    await conn`rollback`;
    const [after] = await conn`select current_setting('rla.defer_events', true) as defer, current_setting('rla.deferred_events', true) as queued`;
    assert.ok(after.defer !== "on" && !after.queued, `after the rollback: defer=${after.defer} queued=${after.queued}`);
    await conn`select emit_event('test.deferred-done', '{}')`; // notifies at once again
    await waitFor(() => listener.events.some((e) => e.type === "test.deferred-done"));
    assert.equal(listener.events.filter((e) => e.type.startsWith("test.deferred")).map((e) => e.type), ["test.deferred-done"]);

    // Committed while deferring (what the procedure does): nothing is sent until send_deferred_events.
    await conn`select begin_deferred_events()`;
    await conn`select emit_event('test.sent-later', '{"n": 3}')`;
    await conn`select end_deferred_events()`;
    await new Promise((r) => setTimeout(r, 200));
    assert.not.ok(listener.events.some((e) => e.type === "test.sent-later"), "sent before send_deferred_events");
    const [{ sent }] = await conn`select send_deferred_events() as sent`;
    assert.is(sent, 1);
    await waitFor(() => listener.events.some((e) => e.type === "test.sent-later"));
    assert.equal(listener.events.find((e) => e.type === "test.sent-later"), { type: "test.sent-later", n: 3 });
  } finally {
    conn.release();
    await listener.stop();
  }
});

test("finish_match_then_notify inside a transaction block is refused (it commits on its own)", async () => {
  const { m } = await pair();
  await sql`select start_match(${m})`;
  let message = "";
  try {
    await sql.begin((tx) => tx`call finish_match_then_notify(${m}, ${sql.json(outcome(0) as never)})`);
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /invalid transaction termination/);
  const [row] = await sql`select status from matches where id = ${m}`;
  assert.is(row.status, "running");
});

test("recent_matches and agent_matches page newest first", async () => {
  const a = await makeAgent(sql, owner.id);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const b = await makeAgent(sql, rival.id);
    const m = await insertMatch(sql, i % 2 ? a : b, i % 2 ? b : a);
    await sql`update matches set created_at = now() + ${i} * interval '1 second' where id = ${m}`;
    ids.push(m);
  }
  const page1 = await sql`select id, created_at from agent_matches(${a}, 3)`;
  assert.equal(page1.map((r) => r.id), [ids[4], ids[3], ids[2]]);
  const page2 = await sql`select id from agent_matches(${a}, 3, ${page1[2].created_at})`;
  assert.equal(page2.map((r) => r.id), [ids[1], ids[0]]);
  const recent = await sql`select id from recent_matches('pong', 2)`;
  assert.equal(recent.map((r) => r.id), [ids[4], ids[3]]);
  // All environments: the newest of each, merged in time order.
  const other = await makeEnvironment(sql);
  const [x, y] = [await makeAgent(sql, owner.id, { environment: other }), await makeAgent(sql, rival.id, { environment: other })];
  const elsewhere = await insertMatch(sql, x, y, other);
  await sql`update matches set created_at = now() + interval '2.5 seconds' where id = ${elsewhere}`;
  const mine = new Set([...ids, elsewhere]);
  const all = (await sql`select id from recent_matches(null, 500)`).map((r) => r.id).filter((id) => mine.has(id));
  assert.equal(all, [ids[4], ids[3], elsewhere, ids[2], ids[1], ids[0]]);
  const before = await sql`select id from recent_matches(null, 2, ${page1[0].created_at})`;
  assert.equal(before.map((r) => r.id).filter((id) => mine.has(id)), [ids[3], elsewhere]);
});

test("what a match refers to cannot be hard-deleted: agents, their played submissions, environments", async () => {
  const { a, m } = await pair();
  const [{ sub }] = await sql`select player0_submission_id as sub from matches where id = ${m}`;
  await expectCode(sql`delete from agents where id = ${a}`, "23503", /soft-deletes/);
  await expectCode(sql`delete from submissions where id = ${sub}`, "23503", /played matches/);
  await expectCode(sql`delete from environments where id = 'pong'`, "23503");
  const loner = await makeAgent(sql, owner.id);
  await sql`delete from agents where id = ${loner}`;
});

test("housekeeping frees agents whose match row is gone or no longer open", async () => {
  const { a, b, m } = await pair();
  await sql`update matches set status = 'failed', error = 'edited by hand', ended_at = now() where id = ${m}`;
  const [{ h }] = await sql`select housekeeping() as h`;
  assert.ok(h.freedStaleBusyAgents >= 2);
  assert.is((await sql`select 1 from busy_agents where agent_id in (${a}, ${b})`).length, 0);
});

test("200 concurrent finish_match / finish_match_then_notify calls on 12 overlapping agents lose no update: ratings equal a serial replay in commit order", async () => {
  const agents: string[] = [];
  for (let i = 0; i < 12; i++) agents.push(await makeAgent(sql, i % 2 ? owner.id : rival.id));
  const plan: Array<{ m: string; a: string; b: string; winner: 0 | 1 | null }> = [];
  for (let i = 0; i < 200; i++) {
    const x = (i * 7) % 12;
    const y = (x + 1 + (i % 11)) % 12;
    const m = await insertMatch(sql, agents[x], agents[y]);
    await sql`select start_match(${m})`;
    plan.push({ m, a: agents[x], b: agents[y], winner: ([0, 1, null] as const)[i % 3] });
  }
  // Half through the function, half through the procedure the worker calls (commit, then events).
  await Promise.all(plan.map((p, i) => i % 2
    ? sql`call finish_match_then_notify(${p.m}, ${sql.json(outcome(p.winner) as never)})`
    : sql`select finish_match(${p.m}, ${sql.json(outcome(p.winner) as never)})`));

  // Commit order per agent = order of its rating_history rows (written after both agent locks are held).
  const order = await sql`select match_id from rating_history where match_id = any(${plan.map((p) => p.m)}) group by match_id order by min(id)`;
  assert.is(order.length, 200);
  const byId = new Map(plan.map((p) => [p.m, p]));
  const rating = new Map(agents.map((a) => [a, 1500]));
  const games = new Map(agents.map((a) => [a, 0]));
  const k = (g: number) => (g < 10 ? 40 : g < 20 ? 32 : 24);
  const roundAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x));
  for (const { match_id } of order) {
    const p = byId.get(match_id)!;
    const ra = rating.get(p.a)!, rb = rating.get(p.b)!;
    const sa = p.winner === 0 ? 1 : p.winner === 1 ? 0 : 0.5;
    const ea = 1 / (1 + 10 ** ((rb - ra) / 400));
    const na = Math.max(0, roundAway(ra + k(games.get(p.a)!) * (sa - ea)));
    const nb = Math.max(0, roundAway(rb + k(games.get(p.b)!) * (1 - sa - (1 - ea))));
    const [stored] = await sql`select player0_rating_before, player1_rating_before, player0_rating_after, player1_rating_after from matches where id = ${match_id}`;
    assert.equal([stored.player0_rating_before, stored.player1_rating_before, stored.player0_rating_after, stored.player1_rating_after], [ra, rb, na, nb]);
    rating.set(p.a, na);
    rating.set(p.b, nb);
    games.set(p.a, games.get(p.a)! + 1);
    games.set(p.b, games.get(p.b)! + 1);
  }
  const final = await sql`select id, rating, games, wins + losses + draws as total from agents where id = any(${agents})`;
  for (const r of final) {
    assert.is(r.rating, rating.get(r.id));
    assert.is(r.games, games.get(r.id));
    assert.is(r.total, r.games);
  }
  const [{ n }] = await sql`select count(*)::int as n from rating_history where match_id = any(${plan.map((p) => p.m)})`;
  assert.is(n, 400);
});

test.after(async () => {
  await db.drop();
});

test.run();
