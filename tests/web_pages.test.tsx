import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeAgent as makeSqlAgent, makeEnvironment, makeUser } from "./helpers/sql_fixtures.ts";
import { formPost, ORIGIN, signedIn, webApp } from "./helpers/web.ts";
import { recentMatches } from "../src/web/queries.ts";
import { signSession } from "../src/web/http/authentication.ts";

const db = await createTestDatabase();
const { app, deps } = webApp(db.sql);
const get = (path: string, headers: Record<string, string> = {}) => app.request(ORIGIN + path, { headers });

const alice = await signedIn(deps, await makeUser(deps.sql, { name: "alice" }));
const bob = await signedIn(deps, await makeUser(deps.sql, { name: "bob" }));
const admin = await signedIn(deps, await makeUser(deps.sql, { name: "root", admin: true }));

test("the home page lists every environment and links to its page", async () => {
  const res = await get("/");
  assert.is(res.status, 200);
  const body = await res.text();
  assert.ok(body.startsWith("<!DOCTYPE html>"));
  assert.match(body, 'href="/environments/pong"');
  assert.match(body, 'hx-boost:inherited="true"');
  assert.match(body, "hx-sse:connect=\"/events?topics=leaders%2Cfeed");
  assert.match(res.headers.get("content-security-policy") ?? "", "script-src 'self'");
});

test("the environment page shows the rules, the quick start and an empty leaderboard", async () => {
  const res = await get("/environments/pong");
  assert.is(res.status, 200);
  const body = await res.text();
  assert.match(body, "npx rl-arena-env new-agent my-agent --lang python --env pong");
  assert.match(body, 'id="leaderboard-pong"');
  assert.match(body, "Log in</a> or");
});

test("an unknown environment is a 404 page naming it", async () => {
  const res = await get("/environments/chess");
  assert.is(res.status, 404);
  assert.match(await res.text(), "chess");
});

test("signing up sets an httpOnly SameSite=Lax session cookie and redirects to the profile", async () => {
  const res = await app.request(formPost("/signup", { username: "carol", email: "carol@example.test", password: "correct horse" }));
  assert.is(res.status, 303);
  assert.is(res.headers.get("location"), "/profile");
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^session=/);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
});

test("a sign-up with bad fields answers 422 with the form fragment and errors beside the fields", async () => {
  const res = await app.request(formPost("/signup", { username: "x", email: "nope", password: "short" }, { "HX-Request": "true" }));
  assert.is(res.status, 422);
  const body = await res.text();
  assert.not.match(body, "<html");
  assert.match(body, 'id="signup-form"');
  assert.match(body, 'id="e-username"');
  assert.match(body, 'id="e-email"');
  assert.match(body, 'id="e-password"');
});

test("a taken username is reported beside the username field", async () => {
  const res = await app.request(formPost("/signup", { username: "alice", email: "other@example.test", password: "correct horse" }, { "HX-Request": "true" }));
  assert.is(res.status, 422);
  assert.match(await res.text(), /id="e-username"[^>]*>username (&quot;|")alice(&quot;|") is already taken/); // register_user's message, as the API answers
});

test("a cross-site form post is refused by the CSRF check", async () => {
  const res = await app.request(new Request(ORIGIN + "/signup", {
    method: "POST", headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: "mallory", email: "m@example.test", password: "correct horse" }),
  }));
  assert.is(res.status, 403);
  const [row] = await db.sql`select count(*)::int as n from users where username = 'mallory'`;
  assert.is(row.n, 0);
});

test("a form body over 1 MB is answered 413", async () => {
  const res = await app.request(formPost("/login", { login: "alice", password: "x".repeat(1_100_000) }));
  assert.is(res.status, 413);
});

test("logging in with a wrong password shows one message and sets no cookie", async () => {
  const res = await app.request(formPost("/login", { login: "alice", password: "wrong password" }, { "HX-Request": "true" }));
  assert.is(res.status, 422);
  assert.match(await res.text(), "invalid email/username or password"); // the login action's one message, as the API answers
  assert.is(res.headers.get("set-cookie"), null);
});

test("logging out clears the session cookie and ends that session only", async () => {
  const other = `session=${await signSession(deps, alice.id, 0)}`; // alice signed in a second time
  const res = await app.request(formPost("/logout", {}, { Cookie: other }));
  assert.is(res.status, 303);
  assert.match(res.headers.get("set-cookie") ?? "", /session=;/);
  assert.is((await get("/profile", { Cookie: other })).status, 303, "a kept copy of the logged-out cookie is refused");
  assert.is((await get("/profile", { Cookie: alice.cookie })).status, 200, "her other session lives on");
});

test("the profile needs a login and shows the user's own agents", async () => {
  const anon = await get("/profile");
  assert.is(anon.status, 303);
  assert.is(anon.headers.get("location"), "/login?next=%2Fprofile");
  const res = await get("/profile", { Cookie: alice.cookie });
  assert.is(res.status, 200);
  assert.match(await res.text(), "alice");
});

test("creating an agent redirects to its environment with the agent selected for upload", async () => {
  const res = await app.request(formPost("/agents", { environmentId: "pong", name: "Tracker", description: "" }, { Cookie: alice.cookie }));
  assert.is(res.status, 303);
  assert.match(res.headers.get("location") ?? "", /^\/environments\/pong\?agent=[0-9a-f-]{36}#upload$/);
  const page = await (await get("/environments/pong", { Cookie: alice.cookie })).text();
  assert.match(page, 'id="upload"');
  assert.match(page, ">Tracker</option>");
});

test("an agent name is rendered as text, never as markup", async () => {
  const [agent] = await db.sql`select * from create_agent(${alice.id}, 'pong', ${"<script>alert(1)</script>"}, '')`;
  const body = await (await get(`/agents/${agent.id}`)).text();
  assert.not.match(body, "<script>alert(1)</script>");
  assert.match(body, "&lt;script&gt;alert(1)&lt;/script&gt;");
  const profile = await (await get("/profile", { Cookie: alice.cookie })).text();
  assert.not.match(profile, "<script>alert(1)</script>");
});

test("a duplicate agent name comes back as a 422 fragment beside the name field", async () => {
  const res = await app.request(formPost("/agents", { environmentId: "pong", name: "Tracker" }, { Cookie: alice.cookie, "HX-Request": "true" }));
  assert.is(res.status, 422);
  const body = await res.text();
  assert.match(body, 'id="new-agent"');
  assert.match(body, 'id="e-agent-name"');
});

test("only the owner sees the edit form, and another user cannot change the agent", async () => {
  const [agent] = await db.sql`select id from agents where name = 'Tracker'`;
  const own = await (await get(`/agents/${agent.id}`, { Cookie: alice.cookie })).text();
  assert.match(own, 'id="edit-agent"');
  const other = await (await get(`/agents/${agent.id}`, { Cookie: bob.cookie })).text();
  assert.not.match(other, 'id="edit-agent"');
  const res = await app.request(formPost(`/agents/${agent.id}`, { name: "Stolen", description: "" }, { Cookie: bob.cookie }));
  assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`);
  const [row] = await db.sql`select name from agents where id = ${agent.id}`;
  assert.is(row.name, "Tracker");
});

test("an anonymous form post that needs a login is answered 401", async () => {
  const res = await app.request(formPost("/agents", { environmentId: "pong", name: "Nope" }));
  assert.is(res.status, 401);
});

test("a malformed agent id is a 404 page, not a server error", async () => {
  assert.is((await get("/agents/not-a-uuid")).status, 404);
  assert.is((await get("/agents/00000000-0000-4000-8000-000000000000")).status, 404);
  assert.is((await get("/matches/nope")).status, 404);
});

test("the match feed page renders and rejects a bad page number", async () => {
  assert.is((await get("/matches")).status, 200);
  assert.is((await get("/matches?page=0")).status, 400);
});

test("the feed of all environments merges each environment's newest matches in time order, page by page", async () => {
  const owner = await makeUser(db.sql);
  const envs = [await makeEnvironment(db.sql), await makeEnvironment(db.sql)];
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const env = envs[i % 3 === 0 ? 0 : 1]!;
    const m = await insertMatch(db.sql, await makeSqlAgent(db.sql, owner.id, { environment: env }), await makeSqlAgent(db.sql, owner.id, { environment: env }), env);
    await db.sql`update matches set created_at = now() + interval '1 hour' + ${i} * interval '1 second' where id = ${m}`;
    ids.push(m);
  }
  const newestFirst = [...ids].reverse();
  assert.equal((await recentMatches(db.sql, {}, 4)).map((m) => m.id), newestFirst.slice(0, 4));
  assert.equal((await recentMatches(db.sql, {}, 3, 3)).map((m) => m.id), newestFirst.slice(3, 6));
  assert.equal((await recentMatches(db.sql, { environment: envs[0] }, 10)).map((m) => m.id), [ids[3], ids[0]]);
});

test("the admin pages need an administrator", async () => {
  assert.is((await get("/admin")).status, 303);
  assert.is((await get("/admin", { Cookie: alice.cookie })).status, 403);
  const res = await get("/admin", { Cookie: admin.cookie });
  assert.is(res.status, 200);
  const body = await res.text();
  assert.match(body, 'id="settings"');
  assert.match(body, 'id="dead-letter"');
});

test("an administrator can change a setting from the settings form", async () => {
  const res = await app.request(formPost("/admin/settings", { key: "match_cooldown_s", value: "60" }, { Cookie: admin.cookie }));
  assert.is(res.status, 303);
  const [row] = await db.sql`select value from settings where key = 'match_cooldown_s'`;
  assert.equal(row.value, 60);
  const bad = await app.request(formPost("/admin/settings", { key: "match_cooldown_s", value: "sixty" }, { Cookie: admin.cookie }));
  assert.is(bad.status, 400);
});

test("an administrator can disable and re-enable a user", async () => {
  const res = await app.request(formPost(`/admin/users/${bob.id}/disable`, {}, { Cookie: admin.cookie }));
  assert.is(res.status, 303);
  assert.is((await db.sql`select disabled from users where id = ${bob.id}`)[0].disabled, true);
  assert.is((await get("/profile", { Cookie: bob.cookie })).status, 303, "a disabled user's session ends at once");
  await app.request(formPost(`/admin/users/${bob.id}/enable`, {}, { Cookie: admin.cookie }));
  assert.is((await db.sql`select disabled from users where id = ${bob.id}`)[0].disabled, false);
  assert.is((await get("/profile", { Cookie: bob.cookie })).status, 303, "re-enabling does not revive the old session");
  const [{ session_epoch }] = await db.sql`select session_epoch from users where id = ${bob.id}`;
  bob.cookie = `session=${await signSession(deps, bob.id, session_epoch)}`; // bob signs in again
  const denied = await app.request(formPost(`/admin/users/${bob.id}/disable`, {}, { Cookie: alice.cookie }));
  assert.is(denied.status, 403);
});

function uploadRequest(agentId: string, file: File, cookie: string, htmx = true) {
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", file);
  return new Request(ORIGIN + "/submissions", { method: "POST", headers: { Origin: ORIGIN, Cookie: cookie, ...(htmx ? { "HX-Request": "true" } : {}) }, body: form });
}

test("an upload from htmx answers 201 with the pending submission row the page inserts", async () => {
  const [agent] = await db.sql`select id from agents where name = 'Tracker'`;
  const file = new File(["export default function act() { return 1; }\n"], "main.js", { type: "text/javascript" });
  const res = await app.request(uploadRequest(agent.id, file, alice.cookie));
  assert.is(res.status, 201);
  const body = await res.text();
  assert.match(body, /^<tr id="submission-[0-9a-f-]{36}" data-status="pending"/);
  assert.match(body, "<td>node</td>");
  // The row has the columns of the table it goes into, on the environment page and on the agent page alike.
  const cells = (html: string) => (html.match(/<td[ >]/g) ?? []).length;
  const header = (html: string) => {
    const before = html.slice(0, html.indexOf('id="my-submissions"'));
    return (before.slice(before.lastIndexOf("<thead")).match(/<th[ >]/g) ?? []).length;
  };
  for (const path of ["/environments/pong", `/agents/${agent.id}`]) {
    const page = await (await app.request(ORIGIN + path, { headers: { Cookie: alice.cookie } })).text();
    assert.ok(page.includes('id="my-submissions"'), `${path} has the submissions table`);
    assert.is(cells(body), header(page), `${path}: the inserted row fits the table`);
  }
});

test("an upload to someone else's agent is refused and stores nothing", async () => {
  const [agent] = await db.sql`select id from agents where name = 'Tracker'`;
  const before = (await db.sql`select count(*)::int as n from submissions where agent_id = ${agent.id}`)[0].n;
  const file = new File(["print(1)\n"], "main.py");
  const res = await app.request(uploadRequest(agent.id, file, bob.cookie));
  assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`);
  assert.is((await db.sql`select count(*)::int as n from submissions where agent_id = ${agent.id}`)[0].n, before);
});

test("an upload over 10 MB is answered 413 and a non-archive 422, both as fragments", async () => {
  const [agent] = await db.sql`select id from agents where name = 'Tracker'`;
  const big = await app.request(uploadRequest(agent.id, new File([new Uint8Array(11 * 1024 * 1024)], "big.zip"), alice.cookie));
  assert.is(big.status, 413);
  assert.match(await big.text(), 'class="form-error"');
  const junk = await app.request(uploadRequest(agent.id, new File(["not an archive"], "agent.zip"), alice.cookie));
  assert.is(junk.status, 422);
  assert.match(await junk.text(), "agent.zip");
});

test("static files and the vendored htmx are served", async () => {
  const css = await get("/static/app.css");
  assert.is(css.status, 200);
  const htmx = await get("/static/vendor/htmx.min.js");
  assert.is(htmx.status, 200);
  assert.is((await get("/static/vendor/nope.js")).status, 404);
  assert.is((await get("/static/../package.json")).status, 404);
});

test.after(async () => {
  await db.drop();
});
test.run();
