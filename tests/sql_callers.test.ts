/**
 * Every SQL function that acts for a caller checks that caller itself: a disabled user can do
 * nothing as an owner (RLA13), and only an enabled administrator passes an admin function
 * (RLA15), whatever the web layer believes about the session.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Sql } from "postgres";
import { createTestDatabase } from "./helpers/database.ts";
import { expectCode, insertMatch, makeAgent, makeUser } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;

// Setup: an owner with two agents that played each other, and admins.
const owner = await makeUser(sql);
const admin = await makeUser(sql, { admin: true });
const disabledAdmin = await makeUser(sql, { admin: true });
const plain = await makeUser(sql);
const agent = await makeAgent(sql, owner.id);
const rival = await makeAgent(sql, owner.id);
const match = await insertMatch(sql, agent, rival);
const [{ active_submission_id: submission }] = await sql`select active_submission_id from agents where id = ${agent}`;
await sql`update users set disabled = true where id = ${disabledAdmin.id}`;

type Call = (sql: Sql, caller: string) => Promise<unknown>;

/** Functions acting for an owner (first argument p_caller or p_owner), called the way the web calls them (private helpers by their schema-qualified name). */
const OWNER_CALLS: Record<string, Call> = {
  agent_for_caller: (q, c) => q`select agent_for_caller(${c}, ${agent})`,
  create_agent: (q, c) => q`select create_agent(${c}, 'pong', 'fresh', '')`,
  update_agent: (q, c) => q`select update_agent(${c}, ${agent}, 'renamed', null)`,
  delete_agent: (q, c) => q`select delete_agent(${c}, ${rival})`,
  create_submission: (q, c) => q`select create_submission(${c}, ${agent}, 'python', 'main.py', ${Buffer.from("x")}, 'a.py')`,
  activate_submission: (q, c) => q`select activate_submission(${c}, ${submission})`,
  rebuild_submission: (q, c) => q`select rebuild_submission(${c}, ${submission})`,
  submission_build_log: (q, c) => q`select * from submission_build_log(${c}, ${submission})`,
  match_logs_for: (q, c) => q`select * from match_logs_for(${c}, ${match})`,
  create_challenge: (q, c) => q`select create_challenge(${c}, ${agent}, ${rival})`,
  create_version_challenge: (q, c) => q`select create_version_challenge(${c}, ${agent}, ${submission})`,
  start_version_test: (q, c) => q`select start_version_test(${c}, ${agent}, ${submission})`,
  "arena_private.agent_to_play": (q, c) => q`select arena_private.agent_to_play(${c}, ${agent})`,
};

/** Functions for administrators only (first argument p_admin). */
const ADMIN_CALLS: Record<string, Call> = {
  set_user_disabled: (q, c) => q`select set_user_disabled(${c}, ${plain.id}, false)`,
  set_user_role: (q, c) => q`select set_user_role(${c}, ${plain.id}, 'user')`,
  set_agent_disabled: (q, c) => q`select set_agent_disabled(${c}, ${agent}, false)`,
  set_environment_settings: (q, c) => q`select set_environment_settings(${c}, 'pong', '{}')`,
  set_environment_enabled: (q, c) => q`select set_environment_enabled(${c}, 'pong', true)`,
  cancel_match: (q, c) => q`select cancel_match(${c}, ${match})`,
  rerun_match: (q, c) => q`select rerun_match(${c}, ${match})`,
  set_setting: (q, c) => q`select set_setting(${c}, 'match_cooldown_s', '300')`,
};

test("every function whose first argument is a caller is in this audit (private helpers too)", async () => {
  const rows = await sql<{ proname: string; first: string }[]>`
    select case when p.pronamespace = 'public'::regnamespace then p.proname else 'arena_private.' || p.proname end as proname,
           p.proargnames[1] as first from pg_proc p
    where p.pronamespace in ('public'::regnamespace, 'arena_private'::regnamespace)
      and p.proargnames[1] in ('p_caller', 'p_owner', 'p_admin')`;
  const owners = rows.filter((r) => r.first !== "p_admin").map((r) => r.proname).sort();
  const admins = rows.filter((r) => r.first === "p_admin").map((r) => r.proname).sort();
  assert.equal(owners, Object.keys(OWNER_CALLS).sort(), "a new owner function needs a line in OWNER_CALLS");
  assert.equal(admins, Object.keys(ADMIN_CALLS).sort(), "a new admin function needs a line in ADMIN_CALLS");
});

test("owner functions refuse a disabled owner with RLA13 naming the user", async () => {
  await sql`update users set disabled = true where id = ${owner.id}`;
  try {
    for (const [name, call] of Object.entries(OWNER_CALLS)) {
      const e = await expectCode(call(sql, owner.id), "RLA13", new RegExp(owner.username));
      assert.ok(e, name);
    }
  } finally {
    await sql`update users set disabled = false where id = ${owner.id}`;
  }
});

test("owner functions refuse a caller that does not exist with RLA10", async () => {
  for (const call of Object.values(OWNER_CALLS)) await expectCode(call(sql, "00000000-0000-4000-8000-000000000000"), "RLA10");
});

test("an enabled owner passes the caller check (the same calls reach their own rules)", async () => {
  const [a] = await sql`select name from agent_for_caller(${owner.id}, ${agent})`;
  assert.ok(a.name);
  assert.is((await sql`select * from match_logs_for(${owner.id}, ${match})`).length, 0);
  const [log] = await sql`select submission_id from submission_build_log(${owner.id}, ${submission})`;
  assert.is(log.submission_id, submission);
  await expectCode(sql`select rebuild_submission(${owner.id}, ${submission})`, "RLA42"); // built-in: past the caller check
});

test("a disabled admin is refused by every admin function, and so is a plain user (RLA15)", async () => {
  for (const [name, call] of Object.entries(ADMIN_CALLS)) {
    await expectCode(call(sql, disabledAdmin.id), "RLA15", new RegExp(disabledAdmin.username));
    await expectCode(call(sql, plain.id), "RLA15", new RegExp(plain.username));
    assert.ok(name);
  }
});

test("a disabled admin cannot act on others' agents or read their logs either", async () => {
  const [before] = await sql`select disabled from users where id = ${disabledAdmin.id}`;
  assert.is(before.disabled, true);
  await expectCode(sql`select update_agent(${disabledAdmin.id}, ${agent}, 'taken over', null)`, "RLA13");
  await expectCode(sql`select * from match_logs_for(${disabledAdmin.id}, ${match})`, "RLA13");
});

test("set_setting(admin, key, value) changes a setting for an enabled admin; unknown keys stay RLA02", async () => {
  const [row] = await sql`select * from set_setting(${admin.id}, 'match_cooldown_s', '120')`;
  assert.equal(row.value, 120);
  await expectCode(sql`select set_setting(${admin.id}, 'no_such_key', '1')`, "RLA02");
  await sql`select set_setting('match_cooldown_s', '300')`;
});

test.after(() => db.drop());

test.run();
