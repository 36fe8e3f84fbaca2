import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { expectCode, insertMatch, makeAgent, makeUser, playMatch, unique } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;

test("create_agent starts at the initial rating with zero counters and a stats row", async () => {
  const u = await makeUser(sql);
  await sql`select set_setting('initial_rating', '1400')`;
  const [a] = await sql`select * from create_agent(${u.id}, 'pong', ${" Bot "}, ${"d"})`;
  await sql`select set_setting('initial_rating', '1500')`;
  assert.is(a.name, "Bot");
  assert.is(a.rating, 1400);
  assert.equal([a.wins, a.losses, a.draws, a.games], [0, 0, 0, 0]);
  assert.is(a.active_submission_id, null);
  const [s] = await sql`select matches_today, last_match_ended_at from agent_match_stats where agent_id = ${a.id}`;
  assert.is(s.matches_today, 0);
});

test("create_agent uses an environment's own initial_rating override", async () => {
  const u = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  await sql`select set_environment_settings(${admin.id}, 'connect-four', ${sql.json({ initial_rating: 1000 })})`;
  const [a] = await sql`select rating from create_agent(${u.id}, 'connect-four', 'c4', '')`;
  await sql`select set_environment_settings(${admin.id}, 'connect-four', '{}')`;
  assert.is(a.rating, 1000);
});

test("agent names are unique per owner and environment, case-insensitively, but free across owners and environments", async () => {
  const u = await makeUser(sql);
  const v = await makeUser(sql);
  await sql`select create_agent(${u.id}, 'pong', 'Alpha', '')`;
  await expectCode(sql`select create_agent(${u.id}, 'pong', 'ALPHA', '')`, "RLA31", /Alpha|ALPHA/);
  await sql`select create_agent(${u.id}, 'tic-tac-toe', 'alpha', '')`;
  await sql`select create_agent(${v.id}, 'pong', 'alpha', '')`;
});

test("create_agent rejects unknown or closed environments, bad names and disabled owners", async () => {
  const u = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  const err = await expectCode(sql`select create_agent(${u.id}, 'chess', 'x', '')`, "RLA20", /"chess"/);
  assert.match(err.hint ?? "", /pong/);
  await sql`select set_environment_enabled(${admin.id}, 'tic-tac-toe', false)`;
  await expectCode(sql`select create_agent(${u.id}, 'tic-tac-toe', 'closed', '')`, "RLA21");
  await sql`select set_environment_enabled(${admin.id}, 'tic-tac-toe', true)`;
  await expectCode(sql`select create_agent(${u.id}, 'pong', '   ', '')`, "RLA01");
  await expectCode(sql`select create_agent(${u.id}, 'pong', ${"n".repeat(65)}, '')`, "RLA01");
  await expectCode(sql`select create_agent(${u.id}, 'pong', 'ok', ${"d".repeat(2001)})`, "RLA01");
  await sql`select set_user_disabled(${admin.id}, ${u.id}, true)`;
  await expectCode(sql`select create_agent(${u.id}, 'pong', 'late', '')`, "RLA13");
  await expectCode(sql`select create_agent(gen_random_uuid(), 'pong', 'ghost', '')`, "RLA10");
});

test("update_agent: the owner or an admin may rename; others get RLA14; null keeps a field", async () => {
  const u = await makeUser(sql);
  const stranger = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  const id = await makeAgent(sql, u.id, { name: "first", active: false });
  const [a] = await sql`select * from update_agent(${u.id}, ${id}, 'second', null)`;
  assert.is(a.name, "second");
  const [b] = await sql`select * from update_agent(${admin.id}, ${id}, null, 'by admin')`;
  assert.is(b.name, "second");
  assert.is(b.description, "by admin");
  await expectCode(sql`select update_agent(${stranger.id}, ${id}, 'mine', null)`, "RLA14", /another user/);
  await makeAgent(sql, u.id, { name: "taken", active: false });
  await expectCode(sql`select update_agent(${u.id}, ${id}, 'TAKEN', null)`, "RLA31");
  await expectCode(sql`select update_agent(${u.id}, gen_random_uuid(), 'x', null)`, "RLA30");
});

test("delete_agent is a soft delete: matches stay readable, the name is free, the agent is gone for callers", async () => {
  const u = await makeUser(sql);
  const other = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { name: "doomed" });
  const b = await makeAgent(sql, other.id);
  const m = await insertMatch(sql, a, b);
  await playMatch(sql, m, 0);
  await expectCode(sql`select delete_agent(${other.id}, ${a})`, "RLA14");
  const [d] = await sql`select * from delete_agent(${u.id}, ${a})`;
  assert.ok(d.deleted_at instanceof Date);
  const [row] = await sql`select player0_name, player0_deleted, status from match_summaries where id = ${m}`;
  assert.is(row.player0_name, "doomed");
  assert.is(row.player0_deleted, true);
  assert.is(row.status, "completed");
  await sql`select create_agent(${u.id}, 'pong', 'doomed', '')`;
  await expectCode(sql`select update_agent(${u.id}, ${a}, 'back', null)`, "RLA30");
  await expectCode(sql`select delete_agent(${u.id}, ${a})`, "RLA30");
  const board = await sql`select agent_id from leaderboard('pong', 1000, 0) where agent_id = ${a}`;
  assert.is(board.length, 0);
});

test("set_agent_disabled needs an admin and takes the agent off the leaderboard", async () => {
  const u = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  const a = await makeAgent(sql, u.id);
  await expectCode(sql`select set_agent_disabled(${u.id}, ${a}, true)`, "RLA15");
  const [d] = await sql`select * from set_agent_disabled(${admin.id}, ${a}, true)`;
  assert.is(d.disabled, true);
  assert.is((await sql`select 1 from leaderboard('pong', 1000, 0) where agent_id = ${a}`).length, 0);
  await sql`select set_agent_disabled(${admin.id}, ${a}, false)`;
  assert.is((await sql`select 1 from leaderboard('pong', 1000, 0) where agent_id = ${a}`).length, 1);
  await expectCode(sql`select set_agent_disabled(${admin.id}, gen_random_uuid(), true)`, "RLA30");
});

test("upsert_environment creates or refreshes an environment and keeps operator settings", async () => {
  const admin = await makeUser(sql, { admin: true });
  const id = unique("env").toLowerCase().replace(/_/g, "-");
  const [e] = await sql`select * from upsert_environment(${id}, '0.1.0', 'Test Env', ${sql.json({ rules: "r" })})`;
  assert.is(e.version, "0.1.0");
  await sql`select set_environment_settings(${admin.id}, ${id}, ${sql.json({ step_timeout_s: 3 })})`;
  const [f] = await sql`select * from upsert_environment(${id}, '0.2.0', 'Test Env 2', ${sql.json({ rules: "r2" })})`;
  assert.is(f.version, "0.2.0");
  assert.is(f.name, "Test Env 2");
  assert.equal(f.description, { rules: "r2" });
  assert.equal(f.settings, { step_timeout_s: 3 });
  const [g] = await sql`select * from upsert_environment(${id}, '0.2.0', 'Test Env 2', ${sql.json({ rules: "r2" })})`;
  assert.is(g.id, id);
  await expectCode(sql`select upsert_environment('Bad Id', '1', 'n', '{}')`, "RLA01");
  await expectCode(sql`select upsert_environment('ok-id', '', 'n', '{}')`, "RLA01");
  await expectCode(sql`select upsert_environment('ok-id', '1', 'n', '[]')`, "RLA01");
});

test("setting_for prefers an environment's override and rejects unknown keys", async () => {
  const admin = await makeUser(sql, { admin: true });
  await sql`select set_environment_settings(${admin.id}, 'tic-tac-toe', ${sql.json({ step_timeout_s: 2 })})`;
  const [r] = await sql`select setting_number_for('tic-tac-toe', 'step_timeout_s') as t, setting_number_for('pong', 'step_timeout_s') as p`;
  assert.is(Number(r.t), 2);
  assert.is(Number(r.p), 1);
  await expectCode(sql`select setting_for('pong', 'no_such_key')`, "RLA02");
  await expectCode(sql`select set_environment_settings(${admin.id}, 'pong', ${sql.json({ bogus: 1 })})`, "RLA02", /bogus/);
  await sql`select set_environment_settings(${admin.id}, 'tic-tac-toe', '{}')`;
});

test("the seeded settings hold the SPEC's defaults", async () => {
  const rows = await sql`select key, value from settings`;
  const s = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  assert.equal(
    [s.initial_rating, s.k_factor_new, s.k_factor_mid, s.k_factor, s.match_cooldown_s, s.daily_match_limit, s.submission_daily_quota,
      s.matchmaking_interval_s, s.matchmaking_window, s.matchmaking_window_step, s.matchmaking_window_max, s.init_timeout_s,
      s.step_timeout_s, s.time_bank_s, s.memory_mb, s.max_processes, s.log_cap_bytes],
    [1500, 40, 32, 24, 300, 100, 5, 30, 100, 100, 500, 10, 1, 60, 512, 64, 1048576],
  );
});

test("agent_summaries lists agents that are not deleted, each with its owner's username", async () => {
  // Setup
  const u = await makeUser(sql);
  const kept = await makeAgent(sql, u.id);
  const gone = await makeAgent(sql, u.id);
  await sql`select delete_agent(${u.id}, ${gone})`;
  // Action
  const rows = await sql`select id, username, owner_id from agent_summaries where owner_id = ${u.id}`;
  // Assertions
  assert.equal(rows.map((r) => [r.id, r.username]), [[kept, u.username]]);
});

test.after(async () => {
  await db.drop();
});

test("agent_exists: a deleted agent is gone, unless its past is asked for (its matches stay readable)", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id);
  const exists = async (deletedToo: boolean) => (await sql`select agent_exists(${a}, ${deletedToo}) as e`)[0].e;
  assert.equal([await exists(false), await exists(true)], [true, true]);
  await sql`select delete_agent(${u.id}, ${a})`;
  assert.equal([await exists(false), await exists(true)], [false, true]);
  const [unknown] = await sql`select agent_exists('00000000-0000-0000-0000-000000000000') as e`;
  assert.is(unknown.e, false);
});

test.run();
