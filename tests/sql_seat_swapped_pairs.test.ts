import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { makeAgent, makeEnvironment, makeUser, playMatch } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const owner = await makeUser(sql);
const admin = await makeUser(sql, { admin: true });

/** Two new agents (1500, K 40) in a fresh environment with seat-swapped pairs on, paired by pair_agents. */
async function pairedAgents() {
  const env = await makeEnvironment(sql);
  await sql`update environments set settings = '{"seat_swapped_pairs": 1}' where id = ${env}`;
  const a = await makeAgent(sql, owner.id, { environment: env });
  const b = await makeAgent(sql, owner.id, { environment: env });
  const [first] = await sql`select * from pair_agents(${env})`;
  return { env, a, b, first: first! };
}

const agent = async (id: string) => (await sql`select rating, games, wins, losses, draws from agents where id = ${id}`)[0]!;
const history = async (id: string) => sql`select match_id, rating_before, rating_after, change from rating_history where agent_id = ${id}`;
const busy = async (id: string) => (await sql`select match_id from busy_agents where agent_id = ${id}`)[0]?.match_id ?? null;

test("the first game of a pair counts its W/L/D but changes no rating, and creates the seat-swapped second game on the same seed", async () => {
  const { a, b, first } = await pairedAgents();
  const done = await playMatch(sql, first.id, 0);
  assert.equal([done.player0_rating_before, done.player0_rating_after, done.player0_rating_change], [1500, 1500, 0]);
  const p0 = first.player0_agent_id as string;
  assert.equal(await agent(p0), { rating: 1500, games: 1, wins: 1, losses: 0, draws: 0 });
  assert.is((await history(a)).length + (await history(b)).length, 0);
  assert.is(first.pair_of, first.id, "pair_agents marked it as the first game of a pair");
  const [second] = await sql`select * from matches where pair_of = ${first.id} and id <> pair_of`;
  assert.ok(second, "a second game exists");
  assert.equal([second.status, second.seed, second.environment_version], ["pending", first.seed, first.environment_version]);
  assert.equal([second.player0_agent_id, second.player1_agent_id], [first.player1_agent_id, first.player0_agent_id]);
  assert.equal([second.player0_submission_id, second.player1_submission_id], [first.player1_submission_id, first.player0_submission_id]);
  assert.equal([await busy(a), await busy(b)], [second.id, second.id]);
  const jobs = await sql`select 1 from pgboss.job where name = 'match.run' and data->>'matchId' = ${second.id}`;
  assert.is(jobs.length, 1);
  // a repeat of the first game's result is a no-op: no third game
  await sql`select finish_match(${first.id}, ${sql.json({ winner: 0, scores: [1, 0], end_reason: "completed" })})`;
  assert.is((await sql`select count(*)::int as n from matches where pair_of = ${first.id} and id <> pair_of`)[0]!.n, 1);
});

test("the second game makes ONE rating update from the pair: won both at 1500 vs 1500 with K 40 → +40 / −40, one history row each", async () => {
  const { a, b, first } = await pairedAgents();
  const p0 = first.player0_agent_id as string, p1 = first.player1_agent_id as string;
  await playMatch(sql, first.id, 0); // p0 wins from seat 0
  const [second] = await sql`select id from matches where pair_of = ${first.id} and id <> pair_of`;
  const done = await playMatch(sql, second!.id, 1); // p0 (now seat 1) wins again
  assert.equal([done.player1_rating_before, done.player1_rating_after], [1500, 1540]);
  assert.equal([done.player0_rating_before, done.player0_rating_after], [1500, 1460]);
  assert.equal(await agent(p0), { rating: 1540, games: 2, wins: 2, losses: 0, draws: 0 });
  assert.equal(await agent(p1), { rating: 1460, games: 2, wins: 0, losses: 2, draws: 0 });
  const h = await history(p0);
  assert.equal(h.map((r) => [r.match_id, r.change]), [[second!.id, 40]]);
  assert.is((await history(p1)).length, 1);
  // both free again, and no third game
  assert.equal([await busy(a), await busy(b)], [null, null]);
  assert.is((await sql`select count(*)::int as n from matches where pair_of = ${second!.id}`)[0]!.n, 0);
});

test("a pair split 1–1 leaves equal ratings equal; seat luck cancels out", async () => {
  const { first } = await pairedAgents();
  await playMatch(sql, first.id, 0); // seat 0 wins
  const [second] = await sql`select id from matches where pair_of = ${first.id} and id <> pair_of`;
  const done = await playMatch(sql, second!.id, 0); // seat 0 wins again: the other agent
  assert.equal([done.player0_rating_change, done.player1_rating_change], [0, 0]);
  assert.equal((await agent(first.player0_agent_id)).games, 2);
});

test("the pair's K comes from the games before the pair: 9 games (K 40) and 25 games (K 24), drawn twice at 1600 vs 1400", async () => {
  const { first } = await pairedAgents();
  await sql`update agents set rating = 1600, games = 9, draws = 9 where id = ${first.player0_agent_id}`;
  await sql`update agents set rating = 1400, games = 25, draws = 25 where id = ${first.player1_agent_id}`;
  await playMatch(sql, first.id, null);
  const [second] = await sql`select id from matches where pair_of = ${first.id} and id <> pair_of`;
  const done = await playMatch(sql, second!.id, null);
  // E(1600 vs 1400) = 0.759747: 1600 + 80·(0.5 − 0.759747) = 1579.2 → 1579; 1400 + 48·(0.5 − 0.240253) = 1412.5 → 1412 (1412.47)
  assert.equal([done.player1_rating_after, done.player0_rating_after], [1579, 1412]);
});

test("a failed second game changes no rating and frees both agents; re-running it completes the pair", async () => {
  const { a, b, first } = await pairedAgents();
  await playMatch(sql, first.id, 0);
  const [second] = await sql`select id from matches where pair_of = ${first.id} and id <> pair_of`;
  await sql`select fail_match(${second!.id}, 'worker died')`;
  assert.equal([await busy(a), await busy(b)], [null, null]);
  assert.equal([(await agent(a)).rating, (await agent(b)).rating], [1500, 1500]);
  const [rerun] = await sql`select * from rerun_match(${admin.id}, ${second!.id})`;
  assert.is(rerun.pair_of, first.id);
  const done = await playMatch(sql, rerun.id, 1); // the first game's winner wins again
  assert.equal([done.player1_rating_change, done.player0_rating_change], [40, -40]);
});

test("a match not made by matchmaking (pair_of null) is rated alone even with pairs on", async () => {
  const { first } = await pairedAgents();
  await sql`update matches set pair_of = null where id = ${first.id}`; // e.g. one made before pairs were turned on
  const done = await playMatch(sql, first.id, 0);
  assert.equal([done.player0_rating_change, done.player1_rating_change], [20, -20]);
  assert.is((await sql`select count(*)::int as n from matches where pair_of = ${first.id}`)[0]!.n, 0);
});

test("a re-run of a failed first game opens a pair of its own", async () => {
  const { first } = await pairedAgents();
  await sql`select fail_match(${first.id}, 'worker died')`;
  const [again] = await sql`select * from rerun_match(${admin.id}, ${first.id})`;
  assert.is(again.pair_of, again.id);
  await playMatch(sql, again.id, 0);
  assert.is((await sql`select count(*)::int as n from matches where pair_of = ${again.id} and id <> pair_of`)[0]!.n, 1);
});

test("with seat_swapped_pairs off (the global default) one game is one rating update", async () => {
  const env = await makeEnvironment(sql);
  await makeAgent(sql, owner.id, { environment: env });
  await makeAgent(sql, owner.id, { environment: env });
  const [m] = await sql`select * from pair_agents(${env})`;
  const done = await playMatch(sql, m!.id, 0);
  assert.equal([done.player0_rating_change, done.player1_rating_change], [20, -20]);
  assert.is((await sql`select count(*)::int as n from matches where pair_of = ${m!.id}`)[0]!.n, 0);
});

test("pong plays seat-swapped pairs by default (migration 0017); another environment keeps the global setting (off)", async () => {
  assert.is(Number((await sql`select setting_number_for('pong', 'seat_swapped_pairs') as v`)[0]!.v), 1);
  assert.is(Number((await sql`select setting_number_for('connect-four', 'seat_swapped_pairs') as v`)[0]!.v), 0);
  const a = await makeAgent(sql, owner.id, { environment: "pong" });
  const b = await makeAgent(sql, owner.id, { environment: "pong" });
  const [first] = await sql`select * from pair_agents('pong') where ${a} in (player0_agent_id, player1_agent_id)`;
  assert.ok(first && [first.player0_agent_id, first.player1_agent_id].includes(b));
  assert.is(first!.pair_of, first!.id, "the first game of a pair");
});

test.after(() => db.drop());
test.run();
