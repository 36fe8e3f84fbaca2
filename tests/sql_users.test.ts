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

test.after(async () => {
  await db.drop();
});

test.run();
