/**
 * Sessions follow the database through the real app: disabling, demotion, logout, log out
 * everywhere and password changes end sessions; tokens without an expiry or with forged
 * claims are refused.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { SESSION_CACHE_MS } from "../src/web/http/session_store.ts";
import { createApiHarness, TEST_JWT_SECRET, viaProxy, type ApiHarness } from "./helpers/web.ts";

const ORIGIN = "http://arena.test";
const SECRET = new TextEncoder().encode(TEST_JWT_SECRET);

let h: ApiHarness;
test.before(async () => {
  h = await createApiHarness();
});
test.after(async () => {
  await h.close();
});

let ip = 0;
/** A page request as a browser sends it: the session cookie and our own Origin. */
function page(path: string, token: string, init: { method?: string; form?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { cookie: `session=${token}`, origin: ORIGIN, "x-forwarded-for": `10.77.0.${ip++ % 250}` };
  let body: URLSearchParams | undefined;
  if (init.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(init.form);
  }
  return Promise.resolve(h.app.request(`${ORIGIN}${path}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body }, viaProxy));
}
const me = async (token: string) => (await h.call("GET", "/users/me", { token })).status;
const login = async (username: string, password = "long-enough-pw") => {
  const res = await h.call("POST", "/auth/login", { body: { username, password } });
  assert.is(res.status, 200, `login ${username}`);
  return (await res.json()).token as string;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function makeAdmin(username: string) {
  await h.db.sql`select grant_admin(${username})`;
}

test("an admin disabling a user ends their sessions at once on this process", async () => {
  const admin = await h.register("sess_admin1");
  await makeAdmin("sess_admin1");
  const victim = await h.register("sess_victim1");
  assert.is(await me(victim.token), 200);
  const res = await page(`/admin/users/${victim.user.id}/disable`, admin.token, { form: {} });
  assert.is(res.status, 303);
  const after = await h.call("GET", "/users/me", { token: victim.token });
  assert.is(after.status, 401);
  assert.match((await after.json()).message, /session ended/);
  assert.is((await page("/profile", victim.token)).status, 303, "the page sends them to the login form");
  await page(`/admin/users/${victim.user.id}/enable`, admin.token, { form: {} });
  assert.is(await me(victim.token), 401, "re-enabling does not revive the old token");
  assert.is(await me(await login("sess_victim1")), 200, "a new login works again");
});

test(`a user disabled elsewhere (another process, psql) is refused within ${SESSION_CACHE_MS} ms`, async () => {
  const victim = await h.register("sess_victim2");
  assert.is(await me(victim.token), 200); // cached as live now
  await h.db.sql`update users set disabled = true where id = ${victim.user.id}`;
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < SESSION_CACHE_MS + 1_000) {
    status = await me(victim.token);
    if (status === 200) await sleep(100);
  }
  assert.is(status, 401);
  assert.ok(Date.now() - started <= SESSION_CACHE_MS + 200, `refused after ${Date.now() - started} ms`);
});

test("admin pages read the role afresh: a promotion or a demotion made elsewhere counts at once", async () => {
  const boss = await h.register("sess_boss");
  await makeAdmin("sess_boss");
  const demoted = await h.register("sess_demoted");
  assert.is((await page("/admin", demoted.token)).status, 403);
  assert.is(await me(demoted.token), 200); // this process now holds a cached answer: a plain user
  await makeAdmin("sess_demoted"); // as an operator does, in psql
  assert.is((await page("/admin", demoted.token)).status, 200, "promotion counts without a new login");
  await h.db.sql`select set_user_role(${boss.user.id}, ${demoted.user.id}, 'user')`;
  const action = await page("/admin/settings", demoted.token, { form: { key: "match_cooldown_s", value: "1" } });
  assert.is(action.status, 401, "the demotion ended the session");
  const [cooldown] = await h.db.sql`select value from settings where key = 'match_cooldown_s'`;
  assert.is.not(cooldown.value, 1);
  assert.is((await page("/admin", demoted.token)).status, 303, "the admin page sends them to log in");
  const fresh = await login("sess_demoted");
  assert.is((await page("/admin", fresh)).status, 403, "a new session is a plain user's");
});

test("the admin system stream ends once its viewer is no longer an admin", async () => {
  const boss = await h.register("sess_streamboss");
  await makeAdmin("sess_streamboss");
  const viewer = await h.register("sess_streamer");
  await makeAdmin("sess_streamer");
  const res = await page("/admin/system/stream", viewer.token);
  assert.is(res.status, 200);
  const reader = res.body!.getReader();
  assert.match(new TextDecoder().decode((await reader.read()).value), /data: /);
  await h.db.sql`select set_user_role(${boss.user.id}, ${viewer.user.id}, 'user')`;
  const started = Date.now();
  const timeout = sleep(6_000).then(() => "still open" as const);
  for (;;) {
    const next = await Promise.race([reader.read(), timeout]);
    if (next === "still open") {
      await reader.cancel();
      throw new Error("the admin system stream outlived its viewer's demotion by 6 s");
    }
    if (next.done) break;
  }
  assert.ok(Date.now() - started < 6_000);
});

test("POST /auth/logout ends that session only; the token is refused afterwards", async () => {
  const { token } = await h.register("sess_logout");
  const other = await login("sess_logout");
  const res = await h.call("POST", "/auth/logout", { token });
  assert.is(res.status, 200);
  assert.is(await me(token), 401);
  assert.is((await h.call("POST", "/auth/logout", { token })).status, 401, "a dead token cannot log out again");
  assert.is(await me(other), 200);
  assert.is((await h.call("POST", "/auth/logout")).status, 401);
});

test("POST /auth/logout-everywhere ends every session of the account", async () => {
  const { token } = await h.register("sess_everywhere");
  const other = await login("sess_everywhere");
  assert.is((await h.call("POST", "/auth/logout-everywhere", { token })).status, 200);
  assert.is(await me(token), 401);
  assert.is(await me(other), 401);
  assert.is(await me(await login("sess_everywhere")), 200);
});

test("PUT /users/me/password checks the current password, ends other sessions and returns a fresh token", async () => {
  const { token } = await h.register("sess_pw");
  const other = await login("sess_pw");
  const wrong = await h.call("PUT", "/users/me/password", { token, body: { currentPassword: "not-it-at-all", newPassword: "brand-new-secret" } });
  assert.is(wrong.status, 403);
  assert.match((await wrong.json()).message, /current password of sess_pw/);
  assert.is(await me(other), 200, "a refused change ends nothing");
  const short = await h.call("PUT", "/users/me/password", { token, body: { currentPassword: "long-enough-pw", newPassword: "short" } });
  assert.is(short.status, 400);
  assert.match((await short.json()).message, /^newPassword: must be at least 8 characters/);
  const ok = await h.call("PUT", "/users/me/password", { token, body: { currentPassword: "long-enough-pw", newPassword: "brand-new-secret" } });
  assert.is(ok.status, 200);
  const { token: fresh } = await ok.json();
  assert.is(await me(token), 401, "the session that made the change gets a new token instead");
  assert.is(await me(other), 401);
  assert.is(await me(fresh), 200);
  assert.is((await h.call("POST", "/auth/login", { body: { username: "sess_pw", password: "long-enough-pw" } })).status, 401);
  assert.is(await me(await login("sess_pw", "brand-new-secret")), 200);
  assert.is((await h.call("PUT", "/users/me/password", { body: { currentPassword: "a", newPassword: "bbbbbbbbbb" } })).status, 401);
});

test("a password change with the session cookie sets a fresh cookie", async () => {
  const { token } = await h.register("sess_pwcookie");
  const res = await h.call("PUT", "/users/me/password", {
    headers: { cookie: `session=${token}`, origin: ORIGIN },
    body: { currentPassword: "long-enough-pw", newPassword: "cookie-secret-2" },
  });
  assert.is(res.status, 200);
  const cookie = /session=([\w-]+\.[\w-]+\.[\w-]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  assert.ok(cookie, "a new session cookie");
  assert.is((await page("/profile", cookie!)).status, 200);
  assert.is((await page("/profile", token)).status, 303);
});

test("the profile page changes the password (wrong current one: 422 beside the field) and logs out everywhere", async () => {
  const { token } = await h.register("sess_form");
  const other = await login("sess_form");
  const profile = await (await page("/profile", token)).text();
  assert.match(profile, 'id="password-form"');
  assert.match(profile, 'id="logout-everywhere"');
  const wrong = await page("/profile/password", token, { form: { currentPassword: "nope-nope", newPassword: "form-secret-22" } });
  assert.is(wrong.status, 422);
  assert.match(await wrong.text(), "That is not your current password.");
  const ok = await page("/profile/password", token, { form: { currentPassword: "long-enough-pw", newPassword: "form-secret-22" } });
  assert.is(ok.status, 303);
  assert.is(ok.headers.get("location"), "/profile?password=changed");
  const cookie = /session=([\w-]+\.[\w-]+\.[\w-]+)/.exec(ok.headers.get("set-cookie") ?? "")![1];
  assert.match(await (await page("/profile?password=changed", cookie)).text(), 'id="password-changed"');
  assert.is(await me(token), 401);
  assert.is(await me(other), 401);
  const out = await page("/profile/logout-everywhere", cookie, { form: {} });
  assert.is(out.status, 303);
  assert.is(out.headers.get("location"), "/login");
  assert.match(out.headers.get("set-cookie") ?? "", /session=;/);
  assert.is((await page("/profile", cookie)).status, 303);
});

/** A token signed with the app's own key whose claims the test chooses. */
const craft = (claims: Record<string, unknown>, build: (j: SignJWT) => SignJWT) =>
  build(new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer("rl-arena")).sign(SECRET);

test("a correctly signed token without exp is refused, and role claims in a token count for nothing", async () => {
  const { user } = await h.register("sess_claims");
  const base = (j: SignJWT) => j.setSubject(user.id).setJti(randomUUID()).setIssuedAt();
  const good = await craft({ sep: 0 }, (j) => base(j).setExpirationTime("1h"));
  assert.is(await me(good), 200, "the same token with exp is accepted");
  const noExp = await craft({ sep: 0 }, base);
  const res = await h.call("GET", "/users/me", { token: noExp });
  assert.is(res.status, 401);
  const forged = await craft({ sep: 0, role: "admin", username: "root" }, (j) => base(j).setExpirationTime("1h"));
  assert.is((await page("/admin", forged)).status, 403, "still a plain user");
  const mine = await (await h.call("GET", "/users/me", { token: forged })).json();
  assert.is(mine.user.role, "user");
  assert.is(mine.user.username, "sess_claims");
});

test("a tampered token is refused by the API (401) and is anonymous on pages", async () => {
  const { token } = await h.register("sess_tamper");
  const [head, payload, sig] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const bumped = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 * 365 })).toString("base64url");
  assert.is(await me(`${head}.${bumped}.${sig}`), 401);
  assert.is((await page("/profile", `${head}.${bumped}.${sig}`)).status, 303);
});

test.run();
