import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { makeAgent, makeEnvironment, makeUser } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const owner = await makeUser(sql);

const place = async (agent: string) => (await sql`select * from place_agent(${agent}) where id is not null`)[0] ?? null;

test("place_agent pairs a new agent at once with the free agent nearest in rating, beyond every window", async () => {
  const env = await makeEnvironment(sql);
  const far = await makeAgent(sql, owner.id, { environment: env, rating: 2150 });
  const near = await makeAgent(sql, owner.id, { environment: env, rating: 2100 });
  const fresh = await makeAgent(sql, owner.id, { environment: env }); // 1500: 600 away, window 100 (max 500)
  assert.is((await sql`select count(*)::int as n from pair_agents(${env})`)[0]!.n, 1, "the tick pairs only far and near");
  await sql`delete from busy_agents where agent_id in (${far}, ${near})`; // free them again (test setup)
  const m = await place(fresh);
  assert.ok(m, "a placement match");
  assert.equal([m.player0_agent_id, m.player1_agent_id].sort(), [fresh, near].sort());
  assert.is(m.status, "pending");
  const busy = await sql`select agent_id from busy_agents where match_id = ${m.id} order by agent_id`;
  assert.equal(busy.map((r) => r.agent_id), [fresh, near].sort());
  assert.is((await sql`select count(*)::int as n from pgboss.job where name = 'match.run' and data->>'matchId' = ${m.id}`)[0]!.n, 1);
});

test("place_agent does nothing for a busy agent, when nobody else is free, or with placement_on_activation off", async () => {
  const env = await makeEnvironment(sql);
  const a = await makeAgent(sql, owner.id, { environment: env });
  assert.is(await place(a), null, "alone in its environment");
  const b = await makeAgent(sql, owner.id, { environment: env });
  await sql`update environments set settings = '{"placement_on_activation": 0}' where id = ${env}`;
  assert.is(await place(b), null, "setting off");
  await sql`update environments set settings = '{}' where id = ${env}`;
  const m = await place(b);
  assert.ok(m);
  assert.is(await place(a), null, "already in the placement match");
});

test("place_agent keeps the daily cap and cooldown: a capped opponent is not chosen", async () => {
  const env = await makeEnvironment(sql);
  const capped = await makeAgent(sql, owner.id, { environment: env });
  await sql`update agent_match_stats set day = utc_day(arena_now()), matches_today = 100 where agent_id = ${capped}`;
  const fresh = await makeAgent(sql, owner.id, { environment: env });
  assert.is(await place(fresh), null);
  const other = await makeAgent(sql, owner.id, { environment: env, rating: 1900 });
  const m = await place(fresh);
  assert.equal([m.player0_agent_id, m.player1_agent_id].sort(), [fresh, other].sort());
});

test("matchmaking_wait says why an eligible agent is still waiting", async () => {
  const env = await makeEnvironment(sql);
  const a = await makeAgent(sql, owner.id, { environment: env });
  let [w] = await sql`select * from matchmaking_wait(${a})`;
  assert.is(Number(w.eligible_opponents), 0);
  assert.match(w.reason, "no other agent of this environment is free to play now");
  const b = await makeAgent(sql, owner.id, { environment: env, rating: 1800 });
  [w] = await sql`select * from matchmaking_wait(${a})`;
  assert.equal([Number(w.eligible_opponents), w.nearest_gap, w.rating_window], [1, 300, 100]);
  assert.match(w.reason, "the nearest free opponent is 300 points away, outside its rating window of ±100, which widens by 100 every minute");
  await sql`update agents set rating = 1550 where id = ${b}`;
  [w] = await sql`select * from matchmaking_wait(${a})`;
  assert.match(w.reason, "1 free opponent(s) within reach: it should be paired at the next matchmaking tick (every 30 s)");
  await place(a);
  assert.is((await sql`select * from matchmaking_wait(${a})`).length, 0, "no row once it is in a match");
});

test.after(() => db.drop());
test.run();
