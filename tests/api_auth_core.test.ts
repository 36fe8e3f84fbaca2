import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { loadConfig } from "../src/config.ts";
import {
  clearSessionCookie, hashPassword, loadUser, rejectInvalidToken, requireAdmin, requireUser,
  setSessionCookie, signSession, verifyPassword, verifySession, type SessionUser,
} from "../src/web/http/authentication.ts";
import { forgetSessions } from "../src/web/http/session_store.ts";
import type { WebEnv } from "../src/web/deps.ts";
import { HttpError, jsonError, toHttpError } from "../src/web/http/error_responses.ts";
import { createTestDatabase } from "./helpers/database.ts";

const secret = "s".repeat(40);
const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "rla-auth-")), JWT_SECRET: secret });
const db = await createTestDatabase();
const deps = { config, sql: db.sql };
const key = new TextEncoder().encode(secret);
const [aliceRow] = await db.sql`select * from register_user('alice', 'alice@example.test', 'scrypt$x', '')`;
const alice: SessionUser = { id: aliceRow.id, username: "alice", role: "user" };
const signAlice = () => signSession(deps, alice.id, aliceRow.session_epoch);

test("a password verifies against its own hash and not against another password", async () => {
  const hash = await hashPassword("correct horse battery", { N: 2 ** 12, r: 8, p: 1 });
  assert.match(hash, /^scrypt\$4096\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.ok(await verifyPassword("correct horse battery", hash));
  assert.not.ok(await verifyPassword("correct horse batterY", hash));
});

test("two hashes of one password differ (random salt) and the default cost is 2^15", async () => {
  const a = await hashPassword("pw-123456");
  const b = await hashPassword("pw-123456");
  assert.is.not(a, b);
  assert.ok(a.startsWith("scrypt$32768$8$1$"));
  assert.ok(await verifyPassword("pw-123456", b));
});

test("a malformed or foreign stored hash verifies as false instead of throwing", async () => {
  for (const stored of ["", "scrypt$", "$2b$10$abcdefghijklmnopqrstuv", "scrypt$3$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "scrypt$1073741824$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"]) {
    assert.is(await verifyPassword("x", stored), false, stored);
  }
});

test("a session token carries only the user id, the session epoch, a fresh session id and a 24 h expiry", async () => {
  const a = await verifySession(deps, await signAlice());
  const b = await verifySession(deps, await signAlice());
  assert.ok(a && b);
  assert.is(a.userId, alice.id);
  assert.is(a.epoch, 0);
  assert.match(a.sessionId, /^[0-9a-f-]{36}$/);
  assert.is.not(a.sessionId, b.sessionId, "each login is its own session");
  assert.ok(Math.abs(a.expiresAt - (Date.now() / 1000 + 86_400)) < 60);
  const payload = JSON.parse(Buffer.from((await signAlice()).split(".")[1], "base64url").toString());
  assert.equal(Object.keys(payload).sort(), ["exp", "iat", "iss", "jti", "sep", "sub"], "no role or name to trust");
});

/** A token signed with the right key whose claims we choose. */
function craft(claims: Record<string, unknown>, build: (j: SignJWT) => SignJWT = (j) => j) {
  return build(new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer("rl-arena")).sign(key);
}

test("a session token with a changed payload, another key, alg none or a past expiry is refused", async () => {
  const token = await signAlice();
  const [h, p, s] = token.split(".");
  const payload = JSON.parse(Buffer.from(p, "base64url").toString());
  const forged = Buffer.from(JSON.stringify({ ...payload, sep: payload.sep + 1 })).toString("base64url");
  assert.is(await verifySession(deps, `${h}.${forged}.${s}`), null);
  const other = await signSession({ config: { ...config, JWT_SECRET: "o".repeat(40) } }, alice.id, 0);
  assert.is(await verifySession(deps, other), null);
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
  assert.is(await verifySession(deps, none), null);
  const expired = await craft({ sep: 0 }, (j) => j.setSubject(alice.id).setJti(randomUUID()).setIssuedAt(1_000).setExpirationTime(2_000));
  assert.is(await verifySession(deps, expired), null);
});

test("a correctly signed token without exp, sub, jti or epoch is refused (a token must end)", async () => {
  const full = (j: SignJWT) => j.setSubject(alice.id).setJti(randomUUID()).setIssuedAt().setExpirationTime("1h");
  assert.ok(await verifySession(deps, await craft({ sep: 0 }, full)), "the complete token is accepted");
  const noExp = await craft({ sep: 0 }, (j) => j.setSubject(alice.id).setJti(randomUUID()).setIssuedAt());
  assert.is(await verifySession(deps, noExp), null);
  assert.is(await verifySession(deps, await craft({ sep: 0 }, (j) => j.setJti(randomUUID()).setExpirationTime("1h"))), null);
  assert.is(await verifySession(deps, await craft({ sep: 0 }, (j) => j.setSubject(alice.id).setExpirationTime("1h"))), null);
  assert.is(await verifySession(deps, await craft({}, (j) => j.setSubject(alice.id).setJti(randomUUID()).setExpirationTime("1h"))), null);
  assert.is(await verifySession(deps, await craft({ sep: -1 }, full)), null);
  assert.is(await verifySession(deps, await craft({ sep: 0 }, (j) => j.setSubject("not-a-uuid").setJti(randomUUID()).setExpirationTime("1h"))), null);
});

function probeApp() {
  const app = new Hono<WebEnv>();
  app.onError((e, c) => jsonError(c, e));
  app.use(loadUser(deps));
  app.get("/page", (c) => c.json({ user: c.var.user, auth: c.var.auth }));
  app.get("/api", rejectInvalidToken, (c) => c.json({ user: c.var.user }));
  app.get("/mine", requireUser, (c) => c.json({ user: c.var.user }));
  app.get("/admin", requireAdmin(deps), (c) => c.text("ok"));
  app.post("/login", async (c) => { setSessionCookie(c, await signAlice()); return c.text("in"); });
  app.post("/logout", (c) => { clearSessionCookie(c); return c.text("out"); });
  return app;
}

test("loadUser accepts a Bearer token or the session cookie and leaves others anonymous", async () => {
  const app = probeApp();
  const token = await signAlice();
  const bearer = await (await app.request("/page", { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(bearer.user, alice);
  assert.is(bearer.auth.via, "bearer");
  const cookie = await (await app.request("/page", { headers: { Cookie: `session=${token}` } })).json();
  assert.equal(cookie.user, alice);
  const anon = await (await app.request("/page")).json();
  assert.equal(anon, { user: null, auth: { via: null, invalid: false, secureCookie: false, session: null } });
});

test("a tampered token is anonymous for pages and 401 for the API", async () => {
  const app = probeApp();
  const token = (await signAlice()).slice(0, -3) + "AAA";
  const page = await app.request("/page", { headers: { Cookie: `session=${token}` } });
  assert.is(page.status, 200);
  assert.equal((await page.json()).user, null);
  const api = await app.request("/api", { headers: { Authorization: `Bearer ${token}` } });
  assert.is(api.status, 401);
  assert.match((await api.json()).message, /invalid or expired/);
  const malformed = await app.request("/api", { headers: { Authorization: `Token ${token}` } });
  assert.is(malformed.status, 401);
  assert.match((await malformed.json()).message, /Bearer <token>/);
});

test("requireUser answers 401 to anonymous requests and requireAdmin 403 to plain users", async () => {
  const app = probeApp();
  const token = await signAlice();
  assert.is((await app.request("/mine")).status, 401);
  assert.is((await app.request("/mine", { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  const res = await app.request("/admin", { headers: { Authorization: `Bearer ${token}` } });
  assert.is(res.status, 403);
  assert.equal(await res.json(), { error: "forbidden", message: "user alice is not an administrator" });
  // The role comes from the database, not the token, and requireAdmin reads it past the cache:
  // the same token is an admin's the moment alice is one, and a plain user's again after.
  assert.is((await app.request("/mine", { headers: { Authorization: `Bearer ${token}` } })).status, 200); // cached as a user
  await db.sql`update users set role = 'admin' where id = ${alice.id}`;
  assert.is((await app.request("/admin", { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  await db.sql`update users set role = 'user' where id = ${alice.id}`;
  assert.is((await app.request("/admin", { headers: { Authorization: `Bearer ${token}` } })).status, 401, "a demotion ends the session");
  await db.sql`update users set session_epoch = 0 where id = ${alice.id}`; // back to the token's epoch for the tests below
  forgetSessions(deps, alice.id); // (this process cached the ended session a moment ago)
  assert.is((await app.request("/admin", { headers: { Authorization: `Bearer ${token}` } })).status, 403);
});

test("the session cookie is httpOnly, SameSite=Lax, lasts 24 h and is Secure only in production", async () => {
  const res = await probeApp().request("/login", { method: "POST" });
  const cookie = res.headers.get("set-cookie")!;
  assert.match(cookie, /^session=[\w-]+\.[\w-]+\.[\w-]+;/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Max-Age=86400/);
  assert.not.match(cookie, /Secure/);
  const prod = new Hono<WebEnv>();
  prod.use(loadUser({ sql: db.sql, config: { ...config, NODE_ENV: "production" } }));
  prod.post("/login", async (c) => { setSessionCookie(c, "a.b.c"); return c.text("in"); });
  assert.match((await prod.request("/login", { method: "POST" })).headers.get("set-cookie")!, /Secure/);
  const out = await probeApp().request("/logout", { method: "POST" });
  assert.match(out.headers.get("set-cookie")!, /^session=;.*Max-Age=0/);
});

test("toHttpError maps zod errors to 400 with field details and PostgreSQL codes to their status", () => {
  const parsed = z.object({ name: z.string().min(3) }).safeParse({ name: "x" });
  const e = toHttpError(parsed.error)!;
  assert.is(e.status, 400);
  assert.match(e.message, /^name: /);
  assert.ok(Array.isArray((e.details as Record<string, string[]>).name));
  const pg = (code: string, message: string, detail?: string) =>
    Object.assign(new Error(message), { name: "PostgresError", code, detail, severity: "ERROR" });
  assert.is(toHttpError(pg("23505", "duplicate key value", "Key (username)=(bob) already exists."))!.status, 409);
  assert.match(toHttpError(pg("23505", "duplicate key value", "Key (username)=(bob) already exists."))!.message, /bob/);
  assert.is(toHttpError(pg("40001", "could not serialize"))!.headers["Retry-After"], "1");
  assert.is(toHttpError(pg("42P01", "relation does not exist")), null);
  const taken = toHttpError(pg("RLA31", 'you already have an agent named "x" in pong'))!;
  assert.equal([taken.status, taken.error, taken.message], [409, "agent_name_taken", 'you already have an agent named "x" in pong']);
  const quota = toHttpError(Object.assign(pg("RLA41", "quota used"), { hint: "retry_after_s=3600" }))!;
  assert.equal([quota.status, quota.headers["Retry-After"]], [429, "3600"]);
  assert.is(toHttpError(pg("RLA03", "queue missing")), null, "a deployment problem is a 500, not the caller's fault");
  assert.is(toHttpError(new Error("boom")), null);
  assert.is(toHttpError(new HttpError(413, "payload_too_large", "too big"))!.status, 413);
});

test.after(() => db.drop());

test.run();
