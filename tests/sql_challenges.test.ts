import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { atTime, expectCode, makeAgent, makeEnvironment, makeUser, playMatch } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const alice = await makeUser(sql);
const bob = await makeUser(sql);
const admin = await makeUser(sql, { admin: true });

/** Everything ranked play keeps about an agent. */
const ranked = async (id: string) => (await sql`
  select a.rating, a.games, a.wins, a.losses, a.draws, s.last_match_ended_at, s.matches_today,
         (select count(*)::int from rating_history h where h.agent_id = a.id) as history
  from agents a join agent_match_stats s on s.agent_id = a.id where a.id = ${id}`)[0]!;

test("a challenge is an unranked match that changes no rating, counter, cooldown, cap or history, and holds no busy row", async () => {
  const env = await makeEnvironment(sql);
  const mine = await makeAgent(sql, alice.id, { environment: env, rating: 1500 });
  const theirs = await makeAgent(sql, bob.id, { environment: env, rating: 1700, games: 30 });
  const before = [await ranked(mine), await ranked(theirs)];
  const [m] = await sql`select * from create_challenge(${alice.id}, ${mine}, ${theirs})`;
  assert.equal([m.ranked, m.challenger_id, m.status], [false, alice.id, "pending"]);
  assert.equal([m.player0_agent_id, m.player1_agent_id].sort(), [mine, theirs].sort());
  assert.is((await sql`select count(*)::int as n from busy_agents where agent_id in (${mine}, ${theirs})`)[0]!.n, 0);
  // both stay eligible for ranked play meanwhile
  assert.is((await sql`select count(*)::int as n from matchmaking_pool(${env}, now()) where agent_id in (${mine}, ${theirs})`)[0]!.n, 2);
  const done = await playMatch(sql, m.id, m.player0_agent_id === mine ? 0 : 1); // the underdog wins
  assert.is(done.status, "completed");
  assert.equal([done.player0_rating_change, done.player1_rating_change], [0, 0]);
  assert.equal([await ranked(mine), await ranked(theirs)], before);
  assert.is((await sql`select * from head_to_head(${mine})`).length, 0);
  const [fit] = await sql`select results from refit_skills(${env}, true)`;
  assert.is(fit.results, 0, "skill refits ignore challenges");
});

test("its match.run job runs after ranked ones (lower pg-boss priority)", async () => {
  const env = await makeEnvironment(sql);
  const a = await makeAgent(sql, alice.id, { environment: env });
  const b = await makeAgent(sql, bob.id, { environment: env });
  const [c] = await sql`select id from create_challenge(${alice.id}, ${a}, ${b})`;
  const [r] = await sql`select id from pair_agents(${env})`;
  const jobs = await sql`select data->>'matchId' as id, priority from pgboss.job where name = 'match.run' and data->>'matchId' in (${c.id}, ${r.id})`;
  const priority = Object.fromEntries(jobs.map((j) => [j.id, j.priority]));
  assert.ok(priority[c.id] < priority[r.id], JSON.stringify(priority));
});

test("only the owner challenges with an agent, against a public agent of the same environment, both built", async () => {
  const env = await makeEnvironment(sql);
  const other = await makeEnvironment(sql);
  const mine = await makeAgent(sql, alice.id, { environment: env });
  const theirs = await makeAgent(sql, bob.id, { environment: env });
  await expectCode(sql`select create_challenge(${bob.id}, ${mine}, ${theirs})`, "RLA14", /belongs to another user/);
  await expectCode(sql`select create_challenge(${alice.id}, ${mine}, ${mine})`, "RLA01", /cannot challenge itself/);
  const elsewhere = await makeAgent(sql, bob.id, { environment: other });
  await expectCode(sql`select create_challenge(${alice.id}, ${mine}, ${elsewhere})`, "RLA01", /one environment/);
  const unbuilt = await makeAgent(sql, bob.id, { environment: env, active: false });
  await expectCode(sql`select create_challenge(${alice.id}, ${mine}, ${unbuilt})`, "RLA44", /no active version/);
  await sql`update agents set disabled = true where id = ${theirs}`;
  await expectCode(sql`select create_challenge(${alice.id}, ${mine}, ${theirs})`, "RLA30", /not a public agent/);
  // another of one's own agents is fine
  const second = await makeAgent(sql, alice.id, { environment: env });
  assert.is((await sql`select ranked from create_challenge(${alice.id}, ${mine}, ${second})`)[0]!.ranked, false);
});

test("the daily quota counts a user's challenges per UTC day (RLA56 with retry_after_s)", async () => {
  const env = await makeEnvironment(sql);
  await sql`update environments set settings = '{"challenge_daily_quota": 2}' where id = ${env}`;
  const a = await makeAgent(sql, alice.id, { environment: env });
  const b = await makeAgent(sql, bob.id, { environment: env });
  const day = "2030-05-01T";
  await atTime(sql, day + "10:00:00Z", (tx) => tx`select create_challenge(${alice.id}, ${a}, ${b})`);
  await atTime(sql, day + "11:00:00Z", (tx) => tx`select create_challenge(${alice.id}, ${a}, ${b})`);
  const err = await expectCode(atTime(sql, day + "23:00:00Z", (tx) => tx`select create_challenge(${alice.id}, ${a}, ${b})`), "RLA56", /daily quota/);
  assert.is(err.hint, "retry_after_s=3600");
  // bob's own quota is untouched, and the next day alice may again
  await atTime(sql, day + "23:00:00Z", (tx) => tx`select create_challenge(${bob.id}, ${b}, ${a})`);
  await atTime(sql, "2030-05-02T00:00:01Z", (tx) => tx`select create_challenge(${alice.id}, ${a}, ${b})`);
});

test("a failed challenge re-run by an admin stays unranked and at low priority", async () => {
  const env = await makeEnvironment(sql);
  const a = await makeAgent(sql, alice.id, { environment: env });
  const b = await makeAgent(sql, bob.id, { environment: env });
  const [c] = await sql`select id from create_challenge(${alice.id}, ${a}, ${b})`;
  await sql`select fail_match(${c.id}, 'worker died')`;
  const [again] = await sql`select * from rerun_match(${admin.id}, ${c.id})`;
  assert.equal([again.ranked, again.challenger_id], [false, alice.id]);
  assert.is((await sql`select count(*)::int as n from busy_agents where match_id = ${again.id}`)[0]!.n, 0);
  assert.is((await sql`select priority from pgboss.job where name = 'match.run' and data->>'matchId' = ${again.id}`)[0]!.priority, -10);
});

test("create_version_challenge pits an agent's active version against an older one: same agent in both seats, unranked", async () => {
  const env = await makeEnvironment(sql);
  const mine = await makeAgent(sql, alice.id, { environment: env });
  const [{ id: v1 }] = await sql`select active_submission_id as id from agents where id = ${mine}`;
  await sql`select create_builtin_submission(${mine}, 'pong-tracker')`; // v2 becomes active, v1 inactive
  const [{ id: v2 }] = await sql`select active_submission_id as id from agents where id = ${mine}`;
  const before = await ranked(mine);
  const [m] = await sql`select * from create_version_challenge(${alice.id}, ${mine}, ${v1})`;
  assert.equal([m.player0_agent_id, m.player1_agent_id], [mine, mine]);
  assert.equal([m.player0_submission_id, m.player1_submission_id].sort(), [v1, v2].sort());
  assert.equal([m.ranked, m.challenger_id], [false, alice.id]);
  const done = await playMatch(sql, m.id, 0);
  assert.equal([done.status, done.player0_rating_change, done.player1_rating_change], ["completed", 0, 0]);
  assert.equal(await ranked(mine), before);
  await expectCode(sql`select create_version_challenge(${alice.id}, ${mine}, ${v2})`, "RLA01", /active version/);
  await expectCode(sql`select create_version_challenge(${bob.id}, ${mine}, ${v1})`, "RLA14", /belongs to another user/);
  const other = await makeAgent(sql, alice.id, { environment: env });
  const [{ id: theirs }] = await sql`select active_submission_id as id from agents where id = ${other}`;
  await expectCode(sql`select create_version_challenge(${alice.id}, ${mine}, ${theirs})`, "RLA40", /not a version of agent/);
});

test("a ranked match still needs two agents (matches_distinct_players)", async () => {
  const env = await makeEnvironment(sql);
  const a = await makeAgent(sql, alice.id, { environment: env });
  await expectCode(sql`insert into matches (environment_id, environment_version, player0_agent_id, player1_agent_id,
                                            player0_submission_id, player1_submission_id, seed, deadline)
                       select ${env}, '1.0.0', id, id, active_submission_id, active_submission_id, 1, now() from agents where id = ${a}`,
    "23514", /matches_distinct_players/);
});

test.after(() => db.drop());
test.run();
