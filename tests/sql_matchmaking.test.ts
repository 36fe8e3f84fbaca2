import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import {
  atTime, expectCode, insertMatch, listenEvents, makeAgent, makeEnvironment, makeUser, playMatch, waitFor, type Q,
} from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase({ max: 12 });
const sql = db.sql;
const owner = await makeUser(sql);
const admin = await makeUser(sql, { admin: true });

const T0 = "2032-03-10T12:00:00Z";
const at = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** Agents created at `when` (their active version, hence their wait, starts then). */
async function agentsAt(env: string, when: string, ratings: number[]): Promise<string[]> {
  return atTime(sql, when, async (tx) => {
    const ids: string[] = [];
    for (const rating of ratings) ids.push(await makeAgent(tx, owner.id, { environment: env, rating }));
    return ids;
  });
}

async function pairAt(env: string, when: string): Promise<Array<Record<string, any>>> {
  return atTime(sql, when, (tx) => tx`select * from pair_agents(${env})`);
}

function pairsOf(rows: Array<Record<string, any>>): string[] {
  return rows.map((r) => [r.player0_agent_id, r.player1_agent_id].sort().join("+")).sort();
}

const pairKey = (a: string, b: string) => [a, b].sort().join("+");

test("closest ratings are paired with each other", async () => {
  const env = await makeEnvironment(sql);
  const [a, b, c, d] = await agentsAt(env, T0, [1000, 1010, 1200, 1205]);
  const rows = await pairAt(env, T0);
  assert.equal(pairsOf(rows), [pairKey(a, b), pairKey(c, d)].sort());
});

test("the nearest neighbour wins over an earlier one in rating order (1000, 1090, 1100 → 1090+1100)", async () => {
  const env = await makeEnvironment(sql);
  const [, b, c] = await agentsAt(env, T0, [1000, 1090, 1100]);
  assert.equal(pairsOf(await pairAt(env, T0)), [pairKey(b, c)]);
});

test("as many pairs as the windows allow: 1000, 1090, 1091, 1180 make two pairs, not 1090+1091 alone", async () => {
  const env = await makeEnvironment(sql);
  const [a, b, c, d] = await agentsAt(env, T0, [1000, 1090, 1091, 1180]);
  assert.equal(pairsOf(await pairAt(env, T0)), [pairKey(a, b), pairKey(c, d)].sort());
});

test("in an odd run the agent left out is the one that leaves the smallest total gap", async () => {
  const env = await makeEnvironment(sql);
  // Gaps 50, 10, 10, 90: leaving out 1000 costs 10 + 90, 1060 costs 50 + 90, 1160 costs 50 + 10.
  const [a, b, c, d] = await agentsAt(env, T0, [1000, 1050, 1060, 1070, 1160]);
  assert.equal(pairsOf(await pairAt(env, T0)), [pairKey(a, b), pairKey(c, d)].sort());
});

test("agents whose neighbour in rating order is outside a window are paired past it in a later round", async () => {
  const env = await makeEnvironment(sql);
  const [low, high] = await agentsAt(env, T0, [1000, 1300]);
  // Four minutes later low and high accept ±500; the newcomer between them only ±100.
  const [newcomer] = await agentsAt(env, at(T0, 240), [1150]);
  const rows = await pairAt(env, at(T0, 240));
  assert.equal(pairsOf(rows), [pairKey(low, high)]);
  assert.ok(!pairsOf(rows).join().includes(newcomer));
});

/**
 * The most pairs, then the least total gap, for agents that all accept ±w: a dynamic programme
 * over the sorted ratings (with one window for everybody the best matching pairs neighbours).
 */
function bestMatching(ratings: number[], w: number): { pairs: number; gap: number } {
  const r = [...ratings].sort((x, y) => x - y);
  const best = [{ pairs: 0, gap: 0 }, { pairs: 0, gap: 0 }];
  for (let i = 2; i <= r.length; i++) {
    const skip = best[i - 1]!;
    const gap = r[i - 1]! - r[i - 2]!;
    const pair = gap <= w ? { pairs: best[i - 2]!.pairs + 1, gap: best[i - 2]!.gap + gap } : null;
    best.push(pair && (pair.pairs > skip.pairs || (pair.pairs === skip.pairs && pair.gap < skip.gap)) ? pair : skip);
  }
  return best[r.length]!;
}

test("random pools: every pair is within both windows, and with one window for all the pairing is the best matching", async () => {
  for (let trial = 0; trial < 24; trial++) {
    const env = await makeEnvironment(sql);
    // Dense pools (one long run) and sparse ones (gaps near the ±100 window: many short runs,
    // odd ones among them, so the choice of whom to leave out matters).
    const size = trial < 8 ? 60 + trial * 7 : 2 + Math.floor(Math.random() * 14);
    const spread = trial < 8 ? 300 + trial * 200 : size * (40 + Math.floor(Math.random() * 160));
    const ratings = Array.from({ length: size }, () => 1000 + Math.floor(Math.random() * spread));
    const ids = await agentsAt(env, T0, ratings);
    const ratingOf = new Map(ids.map((id, i) => [id, ratings[i]!]));
    const rows = await pairAt(env, T0);
    const seats = rows.flatMap((m) => [m.player0_agent_id, m.player1_agent_id]);
    assert.is(new Set(seats).size, seats.length, "an agent is in two matches");
    const gaps = rows.map((m) => Math.abs(ratingOf.get(m.player0_agent_id)! - ratingOf.get(m.player1_agent_id)!));
    assert.ok(gaps.every((g) => g <= 100), `a pair is ${Math.max(...gaps)} apart`);
    const best = bestMatching(ratings, 100);
    assert.is(rows.length, best.pairs, `trial ${trial}: pairs`);
    assert.is(gaps.reduce((x, y) => x + y, 0), best.gap, `trial ${trial}: total rating gap`);
  }
});

test("random pools with different waits: pairs within both windows, and no two unpaired neighbours could have been paired", async () => {
  for (let trial = 0; trial < 6; trial++) {
    const env = await makeEnvironment(sql);
    const agents: Array<{ id: string; rating: number; window: number }> = [];
    for (let i = 0; i < 50; i++) {
      const waited = Math.floor(Math.random() * 420); // 0–7 minutes before the tick
      const rating = 1000 + Math.floor(Math.random() * 1500);
      const [id] = await agentsAt(env, at(T0, -waited), [rating]);
      agents.push({ id: id!, rating, window: Math.min(500, 100 + 100 * Math.floor(waited / 60)) });
    }
    const byId = new Map(agents.map((a) => [a.id, a]));
    const rows = await pairAt(env, T0);
    const seats = rows.flatMap((m) => [m.player0_agent_id, m.player1_agent_id]);
    assert.is(new Set(seats).size, seats.length, "an agent is in two matches");
    for (const m of rows) {
      const [a, b] = [byId.get(m.player0_agent_id)!, byId.get(m.player1_agent_id)!];
      assert.ok(Math.abs(a.rating - b.rating) <= Math.min(a.window, b.window), `trial ${trial}: ${a.rating}±${a.window} with ${b.rating}±${b.window}`);
    }
    const unpaired = agents.filter((a) => !seats.includes(a.id)).sort((x, y) => x.rating - y.rating);
    for (let i = 0; i + 1 < unpaired.length; i++) {
      const [a, b] = [unpaired[i]!, unpaired[i + 1]!];
      assert.ok(b.rating - a.rating > Math.min(a.window, b.window), `trial ${trial}: ${a.rating}±${a.window} and ${b.rating}±${b.window} were both left unpaired`);
    }
  }
});

test("the window is ±100 at first and widens by 100 per whole minute waited", async () => {
  const env = await makeEnvironment(sql);
  await agentsAt(env, T0, [1500, 1650]);
  assert.is((await pairAt(env, at(T0, 59))).length, 0);
  assert.is((await pairAt(env, at(T0, 60))).length, 1);
});

test("a pair must be within both agents' windows", async () => {
  const env = await makeEnvironment(sql);
  await agentsAt(env, T0, [1500]);
  const [late] = await agentsAt(env, at(T0, 300), [1800]);
  assert.is((await pairAt(env, at(T0, 300))).length, 0, "the newcomer's window is still ±100");
  assert.is((await pairAt(env, at(T0, 419))).length, 0, "after 119 s the newcomer accepts ±200 only");
  const rows = await pairAt(env, at(T0, 420));
  assert.is(rows.length, 1, "after 2 minutes ±300 on both sides");
  assert.ok([rows[0].player0_agent_id, rows[0].player1_agent_id].includes(late));
});

test("the window stops widening at ±500", async () => {
  const env = await makeEnvironment(sql);
  await agentsAt(env, T0, [1000, 1501]);
  assert.is((await pairAt(env, at(T0, 3600))).length, 0);
  const env2 = await makeEnvironment(sql);
  await agentsAt(env2, T0, [1000, 1500]);
  assert.is((await pairAt(env2, at(T0, 3600))).length, 1);
});

test("window settings of an environment override the global ones", async () => {
  const env = await makeEnvironment(sql);
  await sql`select set_environment_settings(${admin.id}, ${env}, ${sql.json({ matchmaking_window: 1000, matchmaking_window_max: 1000 })})`;
  await agentsAt(env, T0, [1000, 1900]);
  assert.is((await pairAt(env, T0)).length, 1);
});

test("fractional and very large window settings are taken as they are (step 0.5: ±105 after 10 minutes)", async () => {
  const env = await makeEnvironment(sql);
  await sql`select set_environment_settings(${admin.id}, ${env}, ${sql.json({ matchmaking_window_step: 0.5, matchmaking_window_max: 1e10 })})`;
  await agentsAt(env, T0, [1000, 1106, 2000, 2105]);
  const rows = await pairAt(env, at(T0, 600));
  assert.is(rows.length, 1, "2000+2105 (gap 105) only; 1000+1106 (gap 106) is outside ±105");
  const [w] = await atTime(sql, at(T0, 600), (tx) => tx`select max(rating_window) as w from matchmaking_pool(${env}, arena_now())`);
  assert.is(w.w, 105);
});

test("only eligible agents are paired: not disabled, owner enabled, not deleted, active version, not busy", async () => {
  const env = await makeEnvironment(sql);
  const other = await makeUser(sql);
  const [ok1, ok2, disabled, deleted, busy, busyPartner] = await agentsAt(env, T0, [1500, 1500, 1500, 1500, 1500, 1500]);
  const [noVersion] = await atTime(sql, T0, async (tx) => [await makeAgent(tx, owner.id, { environment: env, active: false })]);
  const [ownerOff] = await atTime(sql, T0, async (tx) => [await makeAgent(tx, other.id, { environment: env })]);
  await sql`select set_agent_disabled(${admin.id}, ${disabled}, true)`;
  await sql`select delete_agent(${owner.id}, ${deleted})`;
  await sql`select set_user_disabled(${admin.id}, ${other.id}, true)`;
  const m = await insertMatch(sql, busy, busyPartner, env);
  await sql`insert into busy_agents (agent_id, match_id) values (${busy}, ${m}), (${busyPartner}, ${m})`;
  const rows = await pairAt(env, T0);
  assert.equal(pairsOf(rows), [pairKey(ok1, ok2)]);
  const pool = await atTime(sql, T0, (tx) => tx`select agent_id from matchmaking_pool(${env}, arena_now())`);
  assert.is(pool.length, 0, "everyone left is ineligible");
  void noVersion; void ownerOff;
});

test("the cooldown ends exactly 300 s after the end of the last match", async () => {
  const env = await makeEnvironment(sql);
  const [a, b] = await agentsAt(env, T0, [1500, 1500]);
  const m = await insertMatch(sql, a, b, env);
  await atTime(sql, at(T0, 100), (tx) => playMatch(tx, m, 0));
  assert.is((await pairAt(env, at(T0, 399))).length, 0);
  assert.is((await pairAt(env, at(T0, 400))).length, 1);
});

async function setToday(q: Q, agent: string, day: string, count: number, lastEnd: string) {
  await q`update agent_match_stats set day = ${day}::date, matches_today = ${count}, last_match_ended_at = ${lastEnd} where agent_id = ${agent}`;
}

test("the daily cap: 99 finished today is still eligible, 100 is not, until 00:00 UTC", async () => {
  const env = await makeEnvironment(sql);
  const [a, b, c, d] = await agentsAt(env, "2032-03-10T00:00:00Z", [1500, 1500, 1500, 1500]);
  await setToday(sql, a, "2032-03-10", 100, "2032-03-10T20:00:00Z");
  await setToday(sql, b, "2032-03-10", 100, "2032-03-10T20:00:00Z");
  await setToday(sql, c, "2032-03-10", 99, "2032-03-10T20:00:00Z");
  await setToday(sql, d, "2032-03-10", 99, "2032-03-10T20:00:00Z");
  const evening = await pairAt(env, "2032-03-10T23:59:59Z");
  assert.equal(pairsOf(evening), [pairKey(c, d)]);
  const midnight = await pairAt(env, "2032-03-11T00:00:00Z");
  assert.equal(pairsOf(midnight), [pairKey(a, b)]);
});

test("the daily cap counts finished matches through finish_match (cap 2)", async () => {
  const env = await makeEnvironment(sql);
  await sql`select set_environment_settings(${admin.id}, ${env}, ${sql.json({ daily_match_limit: 2, match_cooldown_s: 0 })})`;
  await agentsAt(env, "2032-04-01T22:00:00Z", [1500, 1500]);
  for (const t of ["2032-04-01T22:00:00Z", "2032-04-01T22:10:00Z"]) {
    const [m] = await pairAt(env, t);
    assert.ok(m, `paired at ${t}`);
    await atTime(sql, t, (tx) => playMatch(tx, m.id, null));
  }
  assert.is((await pairAt(env, "2032-04-01T23:59:59Z")).length, 0);
  assert.is((await pairAt(env, "2032-04-02T00:00:00Z")).length, 1);
});

test("waiting after the daily cap starts at the UTC midnight that lifted it", async () => {
  const env = await makeEnvironment(sql);
  const [a] = await agentsAt(env, "2032-05-01T00:00:00Z", [1500]);
  await setToday(sql, a, "2032-05-01", 100, "2032-05-01T10:00:00Z");
  const [w] = await atTime(sql, "2032-05-02T00:02:30Z", (tx) => tx`select waiting_since, rating_window from matchmaking_pool(${env}, arena_now())`);
  assert.is(w.waiting_since.toISOString(), "2032-05-02T00:00:00.000Z");
  assert.is(w.rating_window, 300);
});

test("pair_agents creates pending matches with a seed and deadline, busy rows, one match.run job each, and matches.created events", async () => {
  const env = await makeEnvironment(sql);
  await agentsAt(env, T0, Array.from({ length: 10 }, (_, i) => 1500 + i));
  const listener = await listenEvents(sql);
  try {
    const rows = await pairAt(env, T0);
    assert.is(rows.length, 5);
    for (const r of rows) {
      assert.is(r.status, "pending");
      assert.is(r.environment_version, "1.0.0");
      assert.ok(Number(r.seed) >= 0 && Number(r.seed) < 2 ** 32);
      assert.is(r.deadline.getTime() - r.created_at.getTime(), 3600_000);
    }
    const ids = rows.map((r) => r.id);
    const jobs = await sql`select data->>'matchId' as id, retry_limit, expire_seconds, heartbeat_seconds, dead_letter, state
                           from pgboss.job where name = 'match.run' and data->>'matchId' = any(${ids})`;
    assert.equal(jobs.map((j) => j.id).sort(), [...ids].sort());
    const [q] = await sql`select retry_limit, expire_seconds, heartbeat_seconds, dead_letter from pgboss.queue where name = 'match.run'`;
    for (const j of jobs) assert.equal([j.retry_limit, j.expire_seconds, j.heartbeat_seconds, j.dead_letter, j.state], [q.retry_limit, q.expire_seconds, q.heartbeat_seconds, q.dead_letter, "created"]);
    assert.is((await sql`select count(*)::int as n from busy_agents where match_id = any(${ids})`)[0].n, 10);
    await waitFor(() => listener.events.some((e) => e.type === "matches.created" && e.environment === env));
    const created = listener.events.filter((e) => e.type === "matches.created" && e.environment === env);
    assert.is(created.length, 1, "five matches fit in one event");
    assert.equal([...created[0]!.matchIds].sort(), [...ids].sort());
    assert.equal([...created[0]!.agentIds].sort(), rows.flatMap((r) => [r.player0_agent_id, r.player1_agent_id]).sort());
  } finally {
    await listener.stop();
  }
});

test("a tick that creates more than 50 matches sends them in matches.created events of at most 50", async () => {
  const env = await makeEnvironment(sql);
  await agentsAt(env, T0, Array.from({ length: 120 }, (_, i) => 1500 + (i % 7)));
  const listener = await listenEvents(sql);
  try {
    const rows = await pairAt(env, T0);
    assert.is(rows.length, 60);
    await waitFor(() => listener.events.filter((e) => e.type === "matches.created" && e.environment === env).flatMap((e) => e.matchIds).length === 60);
    const events = listener.events.filter((e) => e.type === "matches.created" && e.environment === env);
    assert.is(events.length, 2);
    for (const e of events) {
      assert.ok(e.matchIds.length <= 50, `${e.matchIds.length} matches in one event`);
      assert.is(e.agentIds.length, 2 * e.matchIds.length);
    }
    assert.equal(events.flatMap((e) => e.matchIds).sort(), rows.map((r) => r.id).sort());
    assert.equal(events.flatMap((e) => e.agentIds).sort(), rows.flatMap((r) => [r.player0_agent_id, r.player1_agent_id]).sort());
  } finally {
    await listener.stop();
  }
});

test("paired agents are not paired again while their match is open", async () => {
  const env = await makeEnvironment(sql);
  await agentsAt(env, T0, [1500, 1500]);
  assert.is((await pairAt(env, T0)).length, 1);
  assert.is((await pairAt(env, at(T0, 3000))).length, 0);
});

test("seats are random: over many pairings each agent sits on both sides", async () => {
  const env = await makeEnvironment(sql);
  const [a] = await agentsAt(env, T0, [1500, 1500]);
  let left = 0;
  for (let i = 0; i < 40; i++) {
    const [m] = await pairAt(env, T0);
    if (m.player0_agent_id === a) left++;
    await sql`select fail_match(${m.id}, 'test')`;
  }
  assert.ok(left > 5 && left < 35, `agent a sat left ${left} of 40 times`);
});

test("a closed environment pairs nobody, and an unknown one is RLA20", async () => {
  const env = await makeEnvironment(sql);
  await agentsAt(env, T0, [1500, 1500]);
  await sql`select set_environment_enabled(${admin.id}, ${env}, false)`;
  assert.is((await pairAt(env, T0)).length, 0);
  await expectCode(sql`select * from pair_agents('no-such-env')`, "RLA20");
});

test("two sessions pairing the same environment at once never put an agent in two matches", async () => {
  for (let round = 0; round < 3; round++) {
    const env = await makeEnvironment(sql);
    const ids = await agentsAt(env, T0, Array.from({ length: 300 }, (_, i) => 1400 + (i % 200)));
    const [r1, r2] = await Promise.all([pairAt(env, T0), pairAt(env, T0)]);
    const all = [...r1, ...r2];
    const seats = all.flatMap((m) => [m.player0_agent_id, m.player1_agent_id]);
    assert.is(new Set(seats).size, seats.length, "an agent appears in two matches");
    assert.is(seats.length, 300, "every agent was paired by one session or the other");
    assert.ok(seats.every((s) => ids.includes(s)));
    const [{ n }] = await sql`select count(*)::int as n from matches where environment_id = ${env}`;
    assert.is(n, 150);
  }
});

test("a large pool is paired almost completely and every pair respects the windows", async () => {
  const env = await makeEnvironment(sql);
  const ratings = Array.from({ length: 2000 }, (_, i) => 800 + ((i * 7919) % 1400));
  await atTime(sql, T0, (tx) => tx`
    with u as (select ${owner.id}::uuid as owner)
    select count(*) from (select create_agent(owner, ${env}, 'bulk' || g, '') as a from u, generate_series(1, ${ratings.length}) g) x`);
  await sql`update agents set rating = (${sql.json(ratings as never)}::jsonb ->> (substring(name from 5)::int - 1))::int where environment_id = ${env}`;
  await atTime(sql, T0, (tx) => tx`select count(create_builtin_submission(id, 'random')) from agents where environment_id = ${env}`);
  const rows = await pairAt(env, T0);
  const gaps = await sql`select abs(a0.rating - a1.rating) as gap from matches m join agents a0 on a0.id = m.player0_agent_id join agents a1 on a1.id = m.player1_agent_id where m.environment_id = ${env}`;
  assert.ok(rows.length >= 990, `only ${rows.length} pairs from 2000 agents`);
  assert.ok(gaps.every((g) => g.gap <= 100));
});

test.after(async () => {
  await db.drop();
});

test.run();
