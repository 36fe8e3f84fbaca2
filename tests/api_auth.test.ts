import { test } from "uvu";
import * as assert from "uvu/assert";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";

let h: ApiHarness;
test.before(async () => {
  h = await createApiHarness();
});
test.after(async () => {
  await h.close();
});

test("POST /auth/register answers 201 with a token and the user in camelCase", async () => {
  const res = await h.call("POST", "/auth/register", { body: { username: "alice", email: "Alice@Example.org", password: "correct horse", fullName: "Alice A." } });
  assert.is(res.status, 201);
  const body = await res.json();
  assert.match(body.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.is(body.user.username, "alice");
  assert.is(body.user.email, "alice@example.org");
  assert.is(body.user.fullName, "Alice A.");
  assert.is(body.user.role, "user");
  assert.is(body.user.passwordHash, undefined);
  assert.is(body.user.password_hash, undefined);
});

test("registering a taken username or email answers 409 naming the value", async () => {
  await h.register("bob");
  const sameName = await h.call("POST", "/auth/register", { body: { username: "BOB", email: "other@example.org", password: "long-enough-pw" } });
  assert.is(sameName.status, 409);
  assert.match((await sameName.json()).message, /BOB|bob/);
  const sameEmail = await h.call("POST", "/auth/register", { body: { username: "bobby", email: "bob@example.org", password: "long-enough-pw" } });
  assert.is(sameEmail.status, 409);
  assert.match((await sameEmail.json()).message, /bob@example\.org/);
});

test("bad registration input answers 400 naming the field and the rule", async () => {
  const cases: [unknown, RegExp][] = [
    [{ username: "al", email: "al@example.org", password: "long-enough-pw" }, /^username: must be 3–32 characters/],
    [{ username: "al ice", email: "al@example.org", password: "long-enough-pw" }, /^username: /],
    [{ username: "alice2", email: "not-an-email", password: "long-enough-pw" }, /^email: must be an email address/],
    [{ username: "alice2", email: "al@example.org", password: "short" }, /^password: must be at least 8 characters/],
    [{ email: "al@example.org", password: "long-enough-pw" }, /^username: /],
  ];
  for (const [body, message] of cases) {
    const res = await h.call("POST", "/auth/register", { body });
    assert.is(res.status, 400, JSON.stringify(body));
    const json = await res.json();
    assert.is(json.error, "bad_request");
    assert.match(json.message, message);
    assert.type(json.details, "object");
  }
  const notJson = await h.call("POST", "/auth/register", { body: "username=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.is(notJson.status, 400);
  assert.match((await notJson.json()).message, /application\/json/);
  const broken = await h.call("POST", "/auth/register", { body: "{oops", headers: { "content-type": "application/json" } });
  assert.is(broken.status, 400);
  assert.match((await broken.json()).message, /not valid JSON/);
});

test("POST /auth/login accepts the email or the username and refuses a wrong password with 401", async () => {
  await h.register("carol", { password: "carol-secret-1" });
  const byEmail = await h.call("POST", "/auth/login", { body: { email: "carol@example.org", password: "carol-secret-1" } });
  assert.is(byEmail.status, 200);
  const { token, user } = await byEmail.json();
  assert.is(user.username, "carol");
  const byName = await h.call("POST", "/auth/login", { body: { username: "Carol", password: "carol-secret-1" } });
  assert.is(byName.status, 200);
  const wrong = await h.call("POST", "/auth/login", { body: { email: "carol@example.org", password: "carol-secret-2" } });
  assert.is(wrong.status, 401);
  assert.equal(await wrong.json(), { error: "unauthorized", message: "invalid email/username or password" });
  const nobody = await h.call("POST", "/auth/login", { body: { email: "nobody@example.org", password: "whatever-pw" } });
  assert.is(nobody.status, 401);
  const neither = await h.call("POST", "/auth/login", { body: { password: "whatever-pw" } });
  assert.is(neither.status, 400);
  const me = await h.call("GET", "/users/me", { token });
  assert.is((await me.json()).user.username, "carol");
});

test("a disabled account cannot log in (403)", async () => {
  const { user } = await h.register("dave");
  await h.db.sql`update users set disabled = true where id = ${user.id}`;
  const res = await h.call("POST", "/auth/login", { body: { username: "dave", password: "long-enough-pw" } });
  assert.is(res.status, 403);
  assert.match((await res.json()).message, /dave is disabled/);
});

test("login is limited to 5 per minute per IP with X-RateLimit headers, then 429 with Retry-After", async () => {
  await h.register("erin");
  const ip = "203.0.113.7";
  const statuses: number[] = [];
  let last: Response | null = null;
  for (let i = 0; i < 6; i++) {
    last = await h.call("POST", "/auth/login", { ip, body: { username: "erin", password: i % 2 ? "wrong-password" : "long-enough-pw" } });
    statuses.push(last.status);
    if (i === 0) {
      assert.is(last.headers.get("x-ratelimit-limit"), "5");
      assert.is(last.headers.get("x-ratelimit-remaining"), "4");
      const reset = Number(last.headers.get("x-ratelimit-reset"));
      assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61, `reset ${reset}`);
    }
  }
  assert.equal(statuses, [200, 401, 200, 401, 200, 429]);
  const retry = Number(last!.headers.get("retry-after"));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  assert.is(last!.headers.get("x-ratelimit-remaining"), "0");
  const body = await last!.json();
  assert.is(body.error, "rate_limited");
  assert.match(body.message, /limit is 5 per minute/);
  const otherIp = await h.call("POST", "/auth/login", { ip: "203.0.113.8", body: { username: "erin", password: "long-enough-pw" } });
  assert.is(otherIp.status, 200);
});

test("the auth limit comes from the settings table when the operator sets it", async () => {
  const [{ value: before }] = await h.db.sql`select value from settings where key = 'rate_limit_auth_per_min'`;
  await h.db.sql`select set_setting('rate_limit_auth_per_min', '2')`; // seeded by sql/settings.sql (issue 12)
  const ip = "198.51.100.4";
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await h.call("POST", "/auth/login", { ip, body: { username: "nobody", password: "whatever-pw" } })).status);
  assert.equal(codes, [401, 401, 429]);
  await h.db.sql`select set_setting('rate_limit_auth_per_min', ${h.db.sql.json(before)})`;
});

test("GET /users/me needs a user; a tampered or expired token answers 401 even on public routes", async () => {
  const { token } = await h.register("frank");
  assert.is((await h.call("GET", "/users/me")).status, 401);
  const tampered = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
  const res = await h.call("GET", "/users/me", { token: tampered });
  assert.is(res.status, 401);
  assert.match((await res.json()).message, /invalid or expired/);
  assert.is((await h.call("GET", "/leaderboard", { token: tampered })).status, 401);
  assert.is((await h.call("GET", "/leaderboard")).status, 200);
  const badHeader = await h.call("GET", "/users/me", { headers: { authorization: "Basic Zm9vOmJhcg==" } });
  assert.is(badHeader.status, 401);
});

test("GET /users/me returns the profile with zeroed stats and PUT /users/me changes name and email", async () => {
  const { token } = await h.register("grace");
  const me = await (await h.call("GET", "/users/me", { token })).json();
  assert.equal(me.stats, { totalSubmissions: 0, agents: 0, totalMatches: 0, totalWins: 0, totalLosses: 0, totalDraws: 0, bestRating: null, bestAgent: null });
  const put = await h.call("PUT", "/users/me", { token, body: { fullName: "Grace H.", email: "grace@hopper.example" } });
  assert.is(put.status, 200);
  const body = await put.json();
  assert.is(body.user.fullName, "Grace H.");
  assert.is(body.user.email, "grace@hopper.example");
  const taken = await h.call("PUT", "/users/me", { token, body: { email: "alice@example.org" } });
  assert.is(taken.status, 409);
  const unknown = await h.call("PUT", "/users/me", { token, body: { avatarUrl: "http://x/y.png" } });
  assert.is(unknown.status, 400);
  assert.match((await unknown.json()).message, /avatarUrl/);
});

test("a session cookie works for reads, but a cookie-authenticated change from another origin is refused (403)", async () => {
  const { token } = await h.register("heidi");
  const read = await h.call("GET", "/users/me", { headers: { cookie: `session=${token}` } });
  assert.is(read.status, 200);
  const crossSite = await h.call("PUT", "/users/me", { headers: { cookie: `session=${token}`, origin: "https://evil.example" }, body: { fullName: "pwned" } });
  assert.is(crossSite.status, 403);
  const sameSite = await h.call("PUT", "/users/me", { headers: { cookie: `session=${token}`, origin: "http://arena.test" }, body: { fullName: "Heidi" } });
  assert.is(sameSite.status, 200);
});

test("a JSON body over 64 KB answers 413 in the API's error shape", async () => {
  const res = await h.call("POST", "/auth/register", { body: { username: "big", email: "big@example.org", password: "x".repeat(70_000) } });
  assert.is(res.status, 413);
  assert.is((await res.json()).error, "payload_too_large");
});

test("an unknown API path answers 404 JSON", async () => {
  const res = await h.call("GET", "/nothing/here");
  assert.is(res.status, 404);
  assert.match((await res.json()).message, /no API route GET \/api\/v1\/nothing\/here/);
});

test.run();
