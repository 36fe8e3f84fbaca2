/**
 * "Is v2 better than v1?" (sql/version_tests.sql): the SPRT decision function on synthetic pair
 * results, and a test's life through the real match functions (pairs scheduled, decided, stopped).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { atTime, expectCode, listenEvents, makeAgent, makeEnvironment, makeUser, playMatch, waitFor } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const alice = await makeUser(sql);
const bob = await makeUser(sql);

// Synthetic agents of a known Elo difference: each game the candidate wins with its Elo
// expectation (draws 20 %), the seat-0 player gets +40 Elo (seat luck, which pairs cancel), and
// each run feeds its pairs one by one into sprt_verdict until it stops. setseed makes the runs
// the same every time, so the rates below are fixed numbers, not a coin toss per test run (seed
// 0.42 gave: +100 Elo → 275 of 300 better, 3 not better; equal → 15 of 400 better, 231 not better).
await sql`
  create function pg_temp.simulate(p_diff double precision, p_runs integer, p_seed double precision)
  returns table (verdict text, runs integer, mean_pairs double precision) language plpgsql as $$
  declare
    v_counts integer[];
    v_verdict text;
    v_points integer;
    v_u double precision;
    v_p double precision;
  begin
    perform setseed(p_seed);
    create temp table if not exists sim (verdict text, pairs integer) on commit drop;
    truncate sim;
    for r in 1..p_runs loop
      v_counts := array[0, 0, 0, 0, 0];
      loop
        v_points := 0; -- half points of the candidate over the pair
        for seat in 0..1 loop
          v_p := elo_score(p_diff + case seat when 0 then 40 else -40 end);
          v_u := random();
          v_points := v_points + case when v_u < 0.2 then 1 when v_u < 0.2 + 0.8 * v_p then 2 else 0 end;
        end loop;
        v_counts[v_points + 1] := v_counts[v_points + 1] + 1;
        select s.verdict into v_verdict from sprt_verdict(v_counts, 0, 50, 0.05, 0.05, 100) s;
        exit when v_verdict <> 'running';
      end loop;
      insert into sim values (v_verdict, (select sum(c) from unnest(v_counts) c));
    end loop;
    return query select s.verdict, count(*)::integer, avg(s.pairs)::double precision from sim s group by s.verdict;
  end $$`;

const simulate = async (diff: number, runs: number) => {
  const rows = await sql.begin((tx) => tx`select * from pg_temp.simulate(${diff}, ${runs}, 0.42)`);
  return Object.fromEntries(rows.map((r) => [r.verdict, r.runs])) as Record<string, number>;
};

test("sprt_verdict: a version 100 Elo better is called better in most runs", async () => {
  const runs = 300;
  const v = await simulate(100, runs);
  assert.ok((v.better ?? 0) >= 0.8 * runs, JSON.stringify(v));
  assert.ok((v.not_better ?? 0) <= 0.05 * runs, JSON.stringify(v));
});

test("sprt_verdict: an equal version is not called better in at least 95 % of runs", async () => {
  const runs = 400;
  const v = await simulate(0, runs);
  assert.ok((v.better ?? 0) <= 0.05 * runs, JSON.stringify(v));
  assert.ok((v.not_better ?? 0) >= 0.5 * runs, `most equal runs end "not better" within the cap: ${JSON.stringify(v)}`);
});

test("sprt_verdict: bounds, the prior against early decisions, the Elo interval and the cap", async () => {
  const [first] = await sql`select * from sprt_verdict('{0,0,0,0,0}', 0, 50, 0.05, 0.05, 100)`;
  assert.equal([first.pairs, first.verdict, first.elo], [0, "running", null]);
  assert.ok(Math.abs(first.upper_bound - Math.log(0.95 / 0.05)) < 1e-9 && Math.abs(first.lower_bound + Math.log(0.95 / 0.05)) < 1e-9);
  const [sweeps] = await sql`select * from sprt_verdict('{0,0,0,0,3}', 0, 50, 0.05, 0.05, 100)`;
  assert.is(sweeps.verdict, "running", "three clean sweeps decide nothing yet");
  const [clear] = await sql`select * from sprt_verdict('{2,5,10,25,18}', 0, 50, 0.05, 0.05, 100)`;
  assert.is(clear.verdict, "better");
  assert.ok(clear.elo_low < clear.elo && clear.elo < clear.elo_high && clear.elo_low > 0, JSON.stringify(clear));
  const [worse] = await sql`select * from sprt_verdict('{18,25,10,5,2}', 0, 50, 0.05, 0.05, 100)`;
  assert.equal([worse.verdict, worse.elo < 0], ["not_better", true]);
  const [capped] = await sql`select * from sprt_verdict('{0,1,2,1,0}', 0, 50, 0.05, 0.05, 4)`;
  assert.is(capped.verdict, "inconclusive");
  await expectCode(sql`select * from sprt_verdict('{1,2}', 0, 50, 0.05, 0.05, 4)`, "RLA01", /5 whole numbers/);
  await expectCode(sql`select * from sprt_verdict('{0,0,0,0,0}', 50, 0, 0.05, 0.05, 4)`, "RLA01", /elo1 > elo0/);
});

/** An agent with an active v2 and an older built v1. */
async function twoVersions(owner: string) {
  const env = await makeEnvironment(sql);
  const agent = await makeAgent(sql, owner, { environment: env });
  const [{ id: v1 }] = await sql`select active_submission_id as id from agents where id = ${agent}`;
  await sql`select create_builtin_submission(${agent}, 'pong-tracker')`;
  const [{ id: v2 }] = await sql`select active_submission_id as id from agents where id = ${agent}`;
  return { env, agent, v1: v1 as string, v2: v2 as string };
}

const pending = (testId: string) => sql`
  select * from matches where version_test_id = ${testId} and status = 'pending' order by version_test_pair, id`;

test("start_version_test queues a seat-swapped pair on one seed, unranked, low priority, outside the challenge quota", async () => {
  const { agent, v1, v2 } = await twoVersions(alice.id);
  const [t] = await sql`select * from start_version_test(${alice.id}, ${agent}, ${v1})`;
  assert.equal([t.status, t.candidate_submission_id, t.baseline_submission_id, t.max_pairs], ["running", v2, v1, 100]);
  const games = await pending(t.id);
  assert.is(games.length, 2);
  assert.equal(games.map((g) => [g.player0_submission_id, g.version_test_pair, g.ranked, g.challenger_id]).sort(),
    [[v1, 1, false, null], [v2, 1, false, null]].sort());
  assert.is(games[0].seed, games[1].seed);
  const jobs = await sql`select priority from pgboss.job where name = 'match.run' and data->>'matchId' in ${sql(games.map((g) => g.id))}`;
  assert.equal(jobs.map((j) => j.priority), [-10, -10]);
});

test("each ended pair schedules the next until the SPRT decides; the candidate winning every game is 'better'", async () => {
  const { agent, v1, v2 } = await twoVersions(alice.id);
  const [t] = await sql`select id from start_version_test(${alice.id}, ${agent}, ${v1})`;
  const before = (await sql`select rating, games from agents where id = ${agent}`)[0];
  let pairs = 0;
  for (;;) {
    const games = await pending(t.id);
    if (games.length === 0) break;
    assert.is(games.length, 2);
    for (const g of games) await playMatch(sql, g.id, g.player0_submission_id === v2 ? 0 : 1);
    pairs++;
    assert.ok(pairs < 40, "a clean sweep is decided well before 40 pairs");
  }
  const [r] = await sql`select version_test_report(${t.id}) as r`;
  assert.equal([r.r.status, r.r.pairs, r.r.pentanomial], ["better", pairs, [0, 0, 0, 0, pairs]]);
  assert.ok(r.r.llr >= r.r.upperBound && r.r.eloLow > 0, JSON.stringify(r.r));
  assert.is(r.r.games.length, 2 * pairs);
  assert.equal((await sql`select rating, games from agents where id = ${agent}`)[0], before, "no rating or ranked counter changed");
});

test("a failed game voids its pair and the next pair is scheduled; five such pairs stop the test as inconclusive", async () => {
  const { agent, v1 } = await twoVersions(alice.id);
  const [t] = await sql`select id from start_version_test(${alice.id}, ${agent}, ${v1})`;
  for (let i = 0; i < 5; i++) {
    const games = await pending(t.id);
    assert.is(games.length, 2, `pair ${i + 1} is queued`);
    await playMatch(sql, games[0].id, null);
    await sql`select fail_match(${games[1].id}, 'worker lost')`;
  }
  const [r] = await sql`select version_test_report(${t.id}) as r`;
  assert.equal([r.r.status, r.r.pairs], ["inconclusive", 0]);
  assert.match(r.r.note, /5 pairs with a failed game/);
  assert.is((await pending(t.id)).length, 0);
});

test("a test whose agent is deleted stops as inconclusive at the end of its pair and queues nothing more", async () => {
  const carol = await makeUser(sql); // (alice's tests today already reach the default quota)
  const { agent, v1 } = await twoVersions(carol.id);
  const [t] = await sql`select id from start_version_test(${carol.id}, ${agent}, ${v1})`;
  await sql`select delete_agent(${carol.id}, ${agent})`;
  for (const g of await pending(t.id)) await playMatch(sql, g.id, 0);
  const [r] = await sql`select version_test_report(${t.id}) as r`;
  assert.equal([r.r.status, r.r.note, r.r.pairs], ["inconclusive", "stopped: the agent was deleted", 1]);
  assert.is((await pending(t.id)).length, 0);
});

test("the matchmaking tick's advance_version_tests catches a test whose games all ended", async () => {
  const { agent, v1 } = await twoVersions(alice.id);
  const [t] = await sql`select id from start_version_test(${alice.id}, ${agent}, ${v1})`;
  await sql`alter table matches disable trigger matches_advance_version_test`;
  try {
    for (const g of await pending(t.id)) await playMatch(sql, g.id, null);
  } finally {
    await sql`alter table matches enable trigger matches_advance_version_test`;
  }
  assert.is((await pending(t.id)).length, 0);
  const [{ n }] = await sql`select advance_version_tests() as n`;
  assert.ok(n >= 1);
  assert.is((await pending(t.id)).length, 2, "the second pair is queued");
});

test("only the owner starts a test, against an older built version, within version_test_daily_quota", async () => {
  const { agent, v1, v2 } = await twoVersions(bob.id);
  await expectCode(sql`select start_version_test(${alice.id}, ${agent}, ${v1})`, "RLA14", /only its owner/);
  await expectCode(sql`select start_version_test(${bob.id}, ${agent}, ${v2})`, "RLA01", /active version/);
  const other = await makeAgent(sql, bob.id);
  const [{ id: foreign }] = await sql`select active_submission_id as id from agents where id = ${other}`;
  await expectCode(sql`select start_version_test(${bob.id}, ${agent}, ${foreign})`, "RLA40", /not a version of agent/);
  await sql`select set_setting('version_test_daily_quota', '2'::jsonb)`;
  try {
    const at = "2031-05-05T10:00:00Z";
    await atTime(sql, at, (tx) => tx`select start_version_test(${bob.id}, ${agent}, ${v1})`);
    await atTime(sql, at, (tx) => tx`select start_version_test(${bob.id}, ${agent}, ${v1})`);
    const e = await expectCode(atTime(sql, at, (tx) => tx`select start_version_test(${bob.id}, ${agent}, ${v1})`),
      "RLA58", /2 "is v2 better\?" tests on 2031-05-05/);
    assert.is(e.hint, "retry_after_s=50400");
    assert.is((await sql`select count(*)::int as n from matches where challenger_id = ${bob.id}`)[0].n, 0, "test games are not challenges");
  } finally {
    await sql`select set_setting('version_test_daily_quota', '5'::jsonb)`;
  }
});

test("start and every step emit version_test.changed with the test's status; an unknown test is RLA57", async () => {
  const { agent, v1 } = await twoVersions(alice.id);
  const heard = await listenEvents(sql);
  try {
    const [t] = await sql`select * from start_version_test(${alice.id}, ${agent}, ${v1})`;
    for (const g of await pending(t.id)) await playMatch(sql, g.id, null);
    await waitFor(() => heard.events.filter((e) => e.type === "version_test.changed" && e.testId === t.id).length >= 2);
    const mine = heard.events.filter((e) => e.type === "version_test.changed" && e.testId === t.id);
    assert.equal(mine[0], { type: "version_test.changed", testId: t.id, agentId: agent, ownerId: alice.id, status: "running" });
  } finally {
    await heard.stop();
  }
  await expectCode(sql`select advance_version_test('00000000-0000-4000-8000-000000000000')`, "RLA57", /does not exist/);
});

test.after(() => db.drop());
test.run();
