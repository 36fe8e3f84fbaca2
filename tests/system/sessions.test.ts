/**
 * Sessions follow the database, seen from outside the built platform (`node dist/main.js`,
 * NODE_ENV=production as in the Dockerfile): an admin disabling a user ends that user's token
 * and cookie; logout ends the cookie even when a copy is replayed; a password change over HTTP
 * ends the other sessions; a token without an expiry is refused.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { httpUser, makeAdmin, registerUser, relaxRateLimits, type HttpUser } from "../helpers/http_user.ts";

const JWT_SECRET = "k".repeat(48);
let platform: BuiltPlatform;
let admin: HttpUser;

test.before(async () => {
  platform = await startBuiltPlatform({ env: { NODE_ENV: "production", JWT_SECRET } });
  await relaxRateLimits(platform.sql!);
  admin = await registerUser(platform.url, "sys_admin");
  await makeAdmin(platform.sql!, admin.username);
});

test.after(async () => {
  await platform?.stop();
});

/** Logs `user` in again over HTTP: a second session of the same account. */
async function login(user: HttpUser, password = user.password): Promise<HttpUser> {
  const res = await fetch(`${platform.url}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: user.username, password }),
  });
  assert.is(res.status, 200, `login ${user.username}: ${res.status}`);
  return httpUser(platform.url, { ...user, password, token: (await res.json()).token });
}

/** Polls until `check` holds, for at most `ms`; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

test("an admin disables a user: the user's token and cookie stop working within seconds", async () => {
  const victim = await registerUser(platform.url, "sys_victim");
  assert.is((await victim.api("/users/me")).status, 200);
  assert.is((await victim.page("/profile")).status, 200);
  const disabled = await admin.page(`/admin/users/${victim.id}/disable`, { method: "POST" });
  assert.is(disabled.status, 303, `disable answered ${disabled.status}`);
  await within(3_000, async () => (await victim.api("/users/me")).status === 401);
  const page = await victim.page("/profile");
  assert.is(page.status, 303);
  assert.match(page.headers.get("location") ?? "", /^\/login/);
  const agent = await victim.api("/agents", { method: "POST", json: { name: "too-late", environmentId: "pong" } });
  assert.is(agent.status, 401);
  assert.is((await admin.page(`/admin/users/${victim.id}/enable`, { method: "POST" })).status, 303);
  assert.is((await victim.api("/users/me")).status, 401, "re-enabling does not revive the old token");
});

test("a plain user's cookie cannot reach the admin pages, and a demoted admin's stops at once", async () => {
  const deputy = await registerUser(platform.url, "sys_deputy");
  assert.is((await deputy.page("/admin")).status, 403);
  await makeAdmin(platform.sql!, deputy.username);
  assert.is((await deputy.page("/admin")).status, 200, "a promotion counts without a new login");
  await platform.sql!`select set_user_role(${admin.id}, ${deputy.id}, 'user')`;
  assert.is((await deputy.page("/admin")).status, 303, "the demotion ended the session");
  assert.is((await (await login(deputy)).page("/admin")).status, 403);
});

test("logout ends the session: replaying the saved cookie afterwards fails, other sessions live on", async () => {
  const user = await registerUser(platform.url, "sys_logout");
  const laptop = await login(user);
  const out = await user.page("/logout", { method: "POST" });
  assert.is(out.status, 303);
  assert.match(out.headers.get("set-cookie") ?? "", /session=;/);
  const replay = await user.page("/profile"); // the browser forgot it; an attacker's copy did not
  assert.is(replay.status, 303);
  const api = await fetch(`${platform.url}/api/v1/users/me`, { headers: { cookie: user.cookie } });
  assert.is(api.status, 401);
  assert.is((await laptop.api("/users/me")).status, 200);
  assert.is((await laptop.api("/auth/logout", { method: "POST" })).status, 200);
  assert.is((await laptop.api("/users/me")).status, 401);
});

test("a password change over HTTP ends the other sessions and the old password", async () => {
  const user = await registerUser(platform.url, "sys_password");
  const phone = await login(user);
  const res = await user.api("/users/me/password", { method: "PUT", json: { currentPassword: user.password, newPassword: "a-new-long-secret" } });
  assert.is(res.status, 200);
  const { token } = await res.json();
  assert.is((await user.api("/users/me")).status, 401);
  assert.is((await phone.api("/users/me")).status, 401);
  assert.is((await httpUser(platform.url, { ...user, token }).api("/users/me")).status, 200);
  const old = await fetch(`${platform.url}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: user.username, password: user.password }),
  });
  assert.is(old.status, 401);
  assert.is((await (await login(user, "a-new-long-secret")).api("/users/me")).status, 200);
});

test("a token signed with the platform's key but without exp is refused", async () => {
  const user = await registerUser(platform.url, "sys_noexp");
  const sign = (withExp: boolean) => {
    const jwt = new SignJWT({ sep: 0 }).setProtectedHeader({ alg: "HS256" }).setIssuer("rl-arena").setSubject(user.id).setJti(randomUUID()).setIssuedAt();
    return (withExp ? jwt.setExpirationTime("1h") : jwt).sign(new TextEncoder().encode(JWT_SECRET));
  };
  assert.is((await httpUser(platform.url, { ...user, token: await sign(true) }).api("/users/me")).status, 200, "the same token with exp works");
  assert.is((await httpUser(platform.url, { ...user, token: await sign(false) }).api("/users/me")).status, 401);
});

test.run();
