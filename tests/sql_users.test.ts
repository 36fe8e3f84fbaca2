import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { expectCode, makeUser, unique } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;

test("register_user stores a user with role user, not disabled, and trims the inputs", async () => {
  const name = unique("Reg");
  const [u] = await sql`select * from register_user(${" " + name + " "}, ${" " + name + "@Example.com "}, ${"scrypt$x"}, ${" Ada "})`;
  assert.is(u.username, name);
  assert.is(u.email, `${name}@Example.com`);
  assert.is(u.full_name, "Ada");
  assert.is(u.role, "user");
  assert.is(u.disabled, false);
  assert.is(u.password_hash, "scrypt$x");
});

test("register_user refuses a username or email that differs only in case (RLA11, RLA12)", async () => {
  const name = unique("case");
  await sql`select register_user(${name}, ${name + "@example.com"}, 'h', '')`;
  await expectCode(sql`select register_user(${name.toUpperCase()}, ${"other_" + name + "@example.com"}, 'h', '')`, "RLA11", /already taken/);
  await expectCode(sql`select register_user(${"o" + name}, ${name.toUpperCase() + "@EXAMPLE.COM"}, 'h', '')`, "RLA12", /already registered/);
});

test("register_user rejects bad usernames, emails and empty hashes with RLA01 naming the value", async () => {
  await expectCode(sql`select register_user('ab', 'ab@example.com', 'h', '')`, "RLA01", /"ab"/);
  await expectCode(sql`select register_user('has space', 'hs@example.com', 'h', '')`, "RLA01");
  await expectCode(sql`select register_user(${"x".repeat(33)}, 'long@example.com', 'h', '')`, "RLA01");
  await expectCode(sql`select register_user('okname1', 'not-an-email', 'h', '')`, "RLA01", /not-an-email/);
  await expectCode(sql`select register_user('okname2', 'ok2@example.com', '', '')`, "RLA01", /password hash/);
  await expectCode(sql`select register_user('okname3', 'ok3@example.com', 'h', ${"n".repeat(101)})`, "RLA01", /101/);
});

test("user_by_login finds a user by email or username case-insensitively, and no row for an unknown one", async () => {
  const u = await makeUser(sql);
  const byName = await sql`select id, password_hash from user_by_login(${u.username.toUpperCase()})`;
  const byEmail = await sql`select id from user_by_login(${u.username.toUpperCase() + "@EXAMPLE.COM"})`;
  const none = await sql`select id from user_by_login('nobody_here')`;
  assert.is(byName.length, 1);
  assert.is(byName[0].id, u.id);
  assert.is(byName[0].password_hash, "scrypt$hash");
  assert.is(byEmail[0].id, u.id);
  assert.is(none.length, 0);
});

test("update_user changes the full name, and the email only when given, keeping emails unique", async () => {
  const u = await makeUser(sql);
  const other = await makeUser(sql);
  const [a] = await sql`select * from update_user(${u.id}, ${"New Name"})`;
  assert.is(a.full_name, "New Name");
  assert.is(a.email, `${u.username}@example.com`);
  const [b] = await sql`select * from update_user(${u.id}, ${null}, ${"fresh_" + u.username + "@example.com"})`;
  assert.is(b.full_name, "New Name");
  assert.is(b.email, `fresh_${u.username}@example.com`);
  await expectCode(sql`select update_user(${u.id}, null, ${other.username.toUpperCase() + "@example.com"})`, "RLA12");
  await expectCode(sql`select update_user(gen_random_uuid(), 'x', null)`, "RLA10");
});

test("set_user_disabled needs an admin, and an admin cannot disable themselves", async () => {
  const admin = await makeUser(sql, { admin: true });
  const user = await makeUser(sql);
  await expectCode(sql`select set_user_disabled(${user.id}, ${admin.id}, true)`, "RLA15");
  const [d] = await sql`select * from set_user_disabled(${admin.id}, ${user.id}, true)`;
  assert.is(d.disabled, true);
  const [e] = await sql`select * from set_user_disabled(${admin.id}, ${user.id}, false)`;
  assert.is(e.disabled, false);
  await expectCode(sql`select set_user_disabled(${admin.id}, ${admin.id}, true)`, "RLA14");
});

test("a disabled admin is no longer an admin", async () => {
  const admin = await makeUser(sql, { admin: true });
  const other = await makeUser(sql, { admin: true });
  const user = await makeUser(sql);
  await sql`select set_user_disabled(${other.id}, ${admin.id}, true)`;
  await expectCode(sql`select set_user_disabled(${admin.id}, ${user.id}, true)`, "RLA15");
});

test("set_user_role and grant_admin make administrators", async () => {
  const admin = await makeUser(sql, { admin: true });
  const user = await makeUser(sql);
  const [r] = await sql`select * from set_user_role(${admin.id}, ${user.id}, 'admin')`;
  assert.is(r.role, "admin");
  await expectCode(sql`select set_user_role(${admin.id}, ${user.id}, 'root')`, "RLA01", /root/);
  await expectCode(sql`select set_user_role(${admin.id}, ${admin.id}, 'user')`, "RLA14");
  const plain = await makeUser(sql);
  const [g] = await sql`select * from grant_admin(${plain.username + "@example.com"})`;
  assert.is(g.role, "admin");
  await expectCode(sql`select grant_admin('nobody_at_all')`, "RLA10");
});

test("update_user refuses a disabled user (RLA13)", async () => {
  const u = await makeUser(sql);
  await sql`update users set disabled = true where id = ${u.id}`;
  await expectCode(sql`select update_user(${u.id}, 'x', null)`, "RLA13", new RegExp(u.username));
});

// Sessions: live_session and what ends them.
const epochOf = async (id: string) => Number((await sql`select session_epoch from users where id = ${id}`)[0].session_epoch);
const live = async (id: string, epoch: number, session: string) =>
  (await sql`select id, username, role from live_session(${id}, ${epoch}, ${session})`)[0] ?? null;
const S1 = "11111111-1111-4111-8111-111111111111";
const S2 = "22222222-2222-4222-8222-222222222222";

test("live_session answers the user with the current role for the current epoch, and nothing otherwise", async () => {
  const u = await makeUser(sql);
  assert.is(await epochOf(u.id), 0);
  assert.equal(await live(u.id, 0, S1), { id: u.id, username: u.username, role: "user" });
  assert.is(await live(u.id, 1, S1), null, "another epoch");
  assert.is(await live("00000000-0000-4000-8000-000000000000", 0, S1), null, "no such user");
  await sql`update users set role = 'admin' where id = ${u.id}`;
  assert.is((await live(u.id, 0, S1)).role, "admin", "the role is read now, and a promotion keeps the session");
  assert.is(await epochOf(u.id), 0);
});

test("disabling, demoting or a new password hash raises the epoch, whoever writes the row; re-enabling does not", async () => {
  const admin = await makeUser(sql, { admin: true });
  const u = await makeUser(sql);
  await sql`select set_user_disabled(${admin.id}, ${u.id}, true)`;
  assert.is(await epochOf(u.id), 1);
  assert.is(await live(u.id, 1, S1), null, "a disabled user has no live session at any epoch");
  await sql`select set_user_disabled(${admin.id}, ${u.id}, false)`;
  assert.is(await epochOf(u.id), 1);
  assert.ok(await live(u.id, 1, S1));
  await sql`select set_user_role(${admin.id}, ${u.id}, 'admin')`;
  assert.is(await epochOf(u.id), 1, "promotion");
  await sql`select set_user_role(${admin.id}, ${u.id}, 'user')`;
  assert.is(await epochOf(u.id), 2, "demotion");
  await sql`update users set password_hash = 'scrypt$other' where id = ${u.id}`; // an operator in psql
  assert.is(await epochOf(u.id), 3);
  await sql`update users set full_name = 'Just A Name' where id = ${u.id}`;
  assert.is(await epochOf(u.id), 3, "other columns leave sessions alone");
});

test("end_session ends one session until its expiry; end_all_sessions ends every one", async () => {
  const u = await makeUser(sql);
  const inAnHour = new Date(Date.now() + 3_600_000);
  await sql`select end_session(${u.id}, ${S1}, ${inAnHour})`;
  await sql`select end_session(${u.id}, ${S1}, ${inAnHour})`; // twice is harmless
  assert.is(await live(u.id, 0, S1), null);
  assert.ok(await live(u.id, 0, S2), "the user's other session lives");
  const [row] = await sql`select session_epoch from end_all_sessions(${u.id})`;
  assert.is(row.session_epoch, 1);
  assert.is(await live(u.id, 0, S2), null);
  assert.ok(await live(u.id, 1, S1), "revocations of old sessions are dropped with the epoch that replaced them");
  assert.is((await sql`select count(*)::int as n from revoked_sessions where user_id = ${u.id}`)[0].n, 0);
  await expectCode(sql`select end_all_sessions('00000000-0000-4000-8000-000000000000')`, "RLA10");
});

test("end_session deletes revocations whose tokens have expired anyway", async () => {
  const u = await makeUser(sql);
  await sql`insert into revoked_sessions (session_id, user_id, expires_at) values (gen_random_uuid(), ${u.id}, now() - interval '1 second')`;
  await sql`select end_session(${u.id}, gen_random_uuid(), now() + interval '1 hour')`;
  assert.is((await sql`select count(*)::int as n from revoked_sessions where expires_at < now()`)[0].n, 0);
});

test("set_password stores the new hash and ends every session, unless the hash changed meanwhile (RLA16) or the user is disabled (RLA13)", async () => {
  const u = await makeUser(sql);
  const [row] = await sql`select * from set_password(${u.id}, 'scrypt$hash', 'scrypt$new')`;
  assert.is(row.password_hash, "scrypt$new");
  assert.is(row.session_epoch, 1);
  await expectCode(sql`select set_password(${u.id}, 'scrypt$hash', 'scrypt$newer')`, "RLA16", new RegExp(u.username));
  await expectCode(sql`select set_password(${u.id}, 'scrypt$new', '')`, "RLA01");
  await sql`update users set disabled = true where id = ${u.id}`;
  await expectCode(sql`select set_password(${u.id}, 'scrypt$new', 'scrypt$x')`, "RLA13");
  await expectCode(sql`select set_password('00000000-0000-4000-8000-000000000000', 'a', 'b')`, "RLA10");
});

test.after(async () => {
  await db.drop();
});

test("public_user finds an enabled user by name in any letter case; user_accounts lists accounts without their secrets", async () => {
  const u = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  const [found] = await sql`select * from public_user(${u.username.toUpperCase()})`;
  assert.equal({ ...found }, { id: u.id, username: u.username });
  await sql`select set_user_disabled(${admin.id}, ${u.id}, true)`;
  assert.is((await sql`select * from public_user(${u.username})`).length, 0, "a disabled user has no public page");
  assert.is((await sql`select * from public_user('nobody-at-all')`).length, 0);
  const [account] = await sql`select * from user_accounts where id = ${u.id}`;
  assert.equal(Object.keys(account).sort(), ["created_at", "disabled", "email", "id", "role", "username"]);
  assert.is(account.disabled, true);
});

test.run();
