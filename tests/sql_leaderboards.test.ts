import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeAgent, makeEnvironment, makeUser, playMatch } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const admin = await makeUser(sql, { admin: true });

test("leaderboard uses competition ranking: equal ratings share a rank (1, 1, 3)", async () => {
  const env = await makeEnvironment(sql);
  const u = await makeUser(sql);
  const v = await makeUser(sql);
  const top1 = await makeAgent(sql, u.id, { environment: env, rating: 1700, name: "b-top" });
  const top2 = await makeAgent(sql, v.id, { environment: env, rating: 1700, name: "a-top" });
  const third = await makeAgent(sql, u.id, { environment: env, rating: 1600 });
  const fourth = await makeAgent(sql, u.id, { environment: env, rating: 1500 });
  const rows = await sql`select * from leaderboard(${env}, 10, 0)`;
  assert.equal(rows.map((r) => [r.agent_id, Number(r.rank)]), [[top2, 1], [top1, 1], [third, 3], [fourth, 4]]);
  assert.is(rows[0].owner_username, v.username);
  const page = await sql`select agent_id, rank from leaderboard(${env}, 2, 2)`;
  assert.equal(page.map((r) => [r.agent_id, Number(r.rank)]), [[third, 3], [fourth, 4]]);
  assert.is(Number((await sql`select leaderboard_size(${env}) as n`)[0].n), 4);
});

test("every leaderboard page and every agent's rank equal one window ranking of the whole board (ties, excluded agents, deep pages)", async () => {
  const env = await makeEnvironment(sql);
  const owners = [await makeUser(sql), await makeUser(sql), await makeUser(sql)];
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    // Five rating values, so most rows share a rank with others; games vary to test the order within a rating.
    ids.push(await makeAgent(sql, owners[i % 3]!.id, { environment: env, rating: 1400 + (i * 7 % 5) * 50, games: i % 4, active: i % 13 !== 5 }));
  }
  await sql`select set_agent_disabled(${admin.id}, ${ids[7]}, true)`;
  await sql`select delete_agent(${owners[2]!.id}, ${ids[8]})`;
  const offUser = await makeUser(sql);
  const offAgent = await makeAgent(sql, offUser.id, { environment: env, rating: 1600 });
  await sql`select set_user_disabled(${admin.id}, ${offUser.id}, true)`;

  const whole = await sql`select agent_id, rank from ranked_agents where environment_id = ${env}
                          order by rating desc, games desc, lower(agent_name), agent_id`;
  assert.ok(whole.length > 40 && !whole.some((r) => [ids[7], ids[8], offAgent].includes(r.agent_id)));
  assert.is(Number((await sql`select leaderboard_size(${env}) as n`)[0].n), whole.length);
  for (const size of [7, 50]) {
    for (let offset = 0; offset < whole.length + size; offset += size) {
      const page = await sql`select agent_id, rank from leaderboard(${env}, ${size}, ${offset})`;
      assert.equal(page.map((r) => [r.agent_id, Number(r.rank)]), whole.slice(offset, offset + size).map((r) => [r.agent_id, Number(r.rank)]), `page ${size}@${offset}`);
    }
  }
  for (const r of whole) {
    const [stats] = await sql`select rank from agent_stats(${r.agent_id})`;
    assert.is(Number(stats.rank), Number(r.rank));
  }
  const [off] = await sql`select rank from agent_stats(${offAgent})`;
  assert.is(off.rank, null, "an agent of a disabled user has no rank");
});

test("the leaderboard leaves out deleted and disabled agents, agents of disabled users and agents that never had a version", async () => {
  const env = await makeEnvironment(sql);
  const u = await makeUser(sql);
  const off = await makeUser(sql);
  const kept = await makeAgent(sql, u.id, { environment: env });
  const deleted = await makeAgent(sql, u.id, { environment: env });
  const disabled = await makeAgent(sql, u.id, { environment: env });
  await makeAgent(sql, u.id, { environment: env, active: false });
  await makeAgent(sql, off.id, { environment: env });
  await sql`select delete_agent(${u.id}, ${deleted})`;
  await sql`select set_agent_disabled(${admin.id}, ${disabled}, true)`;
  await sql`select set_user_disabled(${admin.id}, ${off.id}, true)`;
  const rows = await sql`select agent_id from leaderboard(${env}, 10, 0)`;
  assert.equal(rows.map((r) => r.agent_id), [kept]);
  const [overview] = await sql`select * from environment_overview where id = ${env}`;
  assert.equal([Number(overview.ranked_agents), overview.leader_agent_id], [1, kept]);
});

test("head_to_head gives each opponent's record from the agent's side", async () => {
  const u = await makeUser(sql);
  const me = await makeAgent(sql, u.id);
  const x = await makeAgent(sql, u.id, { name: "opp-x" });
  const y = await makeAgent(sql, u.id, { name: "opp-y" });
  await playMatch(sql, await insertMatch(sql, me, x), 0); // win as seat 0
  await playMatch(sql, await insertMatch(sql, x, me), 0); // loss as seat 1
  await playMatch(sql, await insertMatch(sql, x, me), 1); // win as seat 1
  await playMatch(sql, await insertMatch(sql, me, y), null); // draw
  await sql`select fail_match(${await insertMatch(sql, me, y)}, 'not counted')`;
  const rows = await sql`select * from head_to_head(${me})`;
  const byName = Object.fromEntries(rows.map((r) => [r.opponent_name, [Number(r.games), Number(r.wins), Number(r.losses), Number(r.draws)]]));
  assert.equal(byName, { "opp-x": [3, 2, 1, 0], "opp-y": [1, 0, 0, 1] });
  const [hx] = rows.filter((r) => r.opponent_name === "opp-x");
  const [{ sum }] = await sql`select sum(change)::int as sum from rating_history h join matches m on m.id = h.match_id
    where h.agent_id = ${me} and ${x} in (m.player0_agent_id, m.player1_agent_id)`;
  assert.is(Number(hx.rating_change), sum);
});

test("agent_stats reports rank, peak rating and where the agent stands in matchmaking", async () => {
  const env = await makeEnvironment(sql);
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { environment: env, rating: 1500 });
  const b = await makeAgent(sql, u.id, { environment: env, rating: 1500 });
  const [waiting] = await sql`select * from agent_stats(${a})`;
  assert.is(waiting.matchmaking_status, "waiting");
  const m = await insertMatch(sql, a, b, env);
  await sql`insert into busy_agents (agent_id, match_id) values (${a}, ${m}), (${b}, ${m})`;
  assert.is((await sql`select * from agent_stats(${a})`)[0].matchmaking_status, "in_match");
  assert.is((await sql`select * from agent_stats(${a})`)[0].current_match_id, m);
  await playMatch(sql, m, 1);
  const [s] = await sql`select * from agent_stats(${a})`;
  assert.equal([s.rating, Number(s.rank), s.peak_rating, s.losses, s.matches_today, s.matchmaking_status], [1480, 2, 1500, 1, 1, "cooling_down"]);
  assert.is(Number(s.win_rate), 0);
  assert.is(s.cooldown_until.getTime() - s.last_match_ended_at.getTime(), 300_000);
  const [t] = await sql`select * from agent_stats(${b})`;
  assert.equal([Number(t.rank), t.peak_rating], [1, 1520]);
  assert.is((await sql`select * from agent_stats(gen_random_uuid())`).length, 0);
  const history = await sql`select * from agent_rating_history(${a})`;
  assert.equal(history.map((h) => [h.rating_before, h.rating_after]), [[1500, 1480]]);
});

test("user_stats sums a user's agents and names the best one", async () => {
  const u = await makeUser(sql);
  const o = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { name: "best" });
  const b = await makeAgent(sql, u.id, { name: "second" });
  const c = await makeAgent(sql, o.id);
  await playMatch(sql, await insertMatch(sql, a, c), 0);
  await playMatch(sql, await insertMatch(sql, b, c), null);
  const [s] = await sql`select * from user_stats(${u.id})`;
  assert.equal([Number(s.agents), Number(s.games), Number(s.wins), Number(s.losses), Number(s.draws), s.best_agent_name, s.best_rating],
    [2, 2, 1, 0, 1, "best", 1520]);
  assert.is(Number(s.submissions), 2);
  assert.is((await sql`select * from user_stats(gen_random_uuid())`).length, 0);
});

test("all_leaderboards lists every environment's ranked agents together, each ranked in its own environment", async () => {
  // Setup: two fresh environments; the agent of a disabled user is on no leaderboard.
  const envA = await makeEnvironment(sql);
  const envB = await makeEnvironment(sql);
  const u = await makeUser(sql);
  const off = await makeUser(sql);
  const a1 = await makeAgent(sql, u.id, { environment: envA, rating: 9100 });
  const a2 = await makeAgent(sql, u.id, { environment: envA, rating: 9000 });
  const b1 = await makeAgent(sql, u.id, { environment: envB, rating: 9050 });
  await makeAgent(sql, off.id, { environment: envA, rating: 9500 });
  await sql`select set_user_disabled(${admin.id}, ${off.id}, true)`;
  const before = Number((await sql`select all_leaderboards_size() as n`)[0].n);
  // Action: the three top ratings of the whole database are these (other tests stay below 9000).
  const rows = await sql`select * from all_leaderboards(3, 0)`;
  // Assertions
  assert.equal(rows.map((r) => [r.agent_id, r.environment_id, Number(r.rank), r.owner_username]),
    [[a1, envA, 1, u.username], [b1, envB, 1, u.username], [a2, envA, 2, u.username]]);
  assert.ok("skill" in rows[0]! && "skill_rank_worst" in rows[0]!, "each row carries the skill estimate");
  assert.equal((await sql`select agent_id from all_leaderboards(1, 1)`).map((r) => r.agent_id), [b1]);
  await makeAgent(sql, u.id, { environment: envB });
  assert.is(Number((await sql`select all_leaderboards_size() as n`)[0].n), before + 1);
});

test.after(async () => {
  await db.drop();
});

test.run();
