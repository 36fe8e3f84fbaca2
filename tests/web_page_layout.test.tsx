/**
 * The page layout comes from one place, the page renderer (jsxRenderer in
 * src/web/pages/common.tsx, installed by createApp): every page carries it exactly once (a route
 * that bypassed `c.render` would carry none, a view that wrapped itself as well would carry two),
 * and an htmx request for a fragment gets the fragment alone.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeUser } from "./helpers/sql_fixtures.ts";
import { sourceFiles } from "./helpers/source_files.ts";
import { formPost, ORIGIN, signedIn, webApp } from "./helpers/web.ts";
import { PROJECT_ROOT } from "../src/paths.ts";

const db = await createTestDatabase();
const sql = db.sql;
const { app, deps } = webApp(sql);
const alice = await signedIn(deps, await makeUser(sql, { name: "alice" }));
const bob = await signedIn(deps, await makeUser(sql, { name: "bob" }));
const root = await signedIn(deps, await makeUser(sql, { name: "root", admin: true }));
const agentOf = async (owner: string, name: string) => String((await sql`select id from create_agent(${owner}, 'pong', ${name}, '')`)[0]!.id);
const aliceAgent = await agentOf(alice.id, "AliceBot");
const bobAgent = await agentOf(bob.id, "BobBot");
const v1 = String((await sql`select id from create_builtin_submission(${aliceAgent}, 'pong-random')`)[0]!.id);
await sql`select create_builtin_submission(${aliceAgent}, 'pong-tracker')`;
await sql`select create_builtin_submission(${bobAgent}, 'pong-random')`;
const versionTest = String((await sql`select id from start_version_test(${alice.id}, ${aliceAgent}, ${v1})`)[0]!.id);
const match = await insertMatch(sql, aliceAgent, bobAgent);

const count = (text: string, part: string) => text.split(part).length - 1;

/** The layout's landmarks (views/layout.tsx), each of which a page must carry exactly once. */
const LANDMARKS = ["<!DOCTYPE html>", "<html", "<head>", "<title>", '<header class="topbar">', '<main id="main">', '<footer class="footer">', "/static/vendor/htmx.min.js"];

function assertOneLayout(body: string, what: string) {
  assert.ok(body.startsWith("<!DOCTYPE html><html"), `${what}: starts with the doctype and <html>, got ${JSON.stringify(body.slice(0, 60))}`);
  for (const mark of LANDMARKS) assert.is(count(body, mark), 1, `${what}: ${mark} appears once`);
}

function assertNoLayout(body: string, what: string) {
  for (const mark of LANDMARKS) assert.is(count(body, mark), 0, `${what}: no ${mark} in a fragment`);
}

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
  app.request(ORIGIN + path, { headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } });

// path, who asks, the status and the page title the route gives.
const PAGES: Array<[string, string | undefined, number, string]> = [
  ["/", undefined, 200, "Environments"],
  ["/environments/pong", alice.cookie, 200, "Pong"],
  ["/matches", undefined, 200, "Live matches"],
  ["/matches?page=2", undefined, 200, "Live matches"],
  [`/matches/${match}`, alice.cookie, 200, "AliceBot vs BobBot"],
  [`/agents/${aliceAgent}`, undefined, 200, "AliceBot"],
  [`/agents/${aliceAgent}`, alice.cookie, 200, "AliceBot"],
  ["/login", undefined, 200, "Log in"],
  ["/signup", undefined, 200, "Sign up"],
  ["/profile", alice.cookie, 200, "Your profile"],
  ["/users/bob", alice.cookie, 200, "bob"],
  [`/version-tests/${versionTest}`, undefined, 200, "Is v2 better than v1?"],
  ["/admin", root.cookie, 200, "Admin"],
  ["/admin/system", root.cookie, 200, "System"],
  ["/api/docs", alice.cookie, 200, "API reference"],
  ["/admin", alice.cookie, 403, "Not allowed"],
  ["/no/such/page", undefined, 404, "Not found"],
  ["/agents/not-an-id", undefined, 404, "Not found"],
  ["/matches?page=zero", undefined, 400, "That request was not valid"],
];

test("every page, error pages too, carries the layout exactly once with its title, status and security headers", async () => {
  for (const [path, cookie, status, title] of PAGES) {
    const res = await get(path, cookie);
    const body = await res.text();
    const what = `GET ${path}${cookie ? " signed in" : ""}`;
    assert.is(res.status, status, what);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/, what);
    assert.match(res.headers.get("content-security-policy") ?? "", "script-src 'self'", what);
    assert.is(res.headers.get("x-content-type-options"), "nosniff", what);
    assertOneLayout(body, what);
    assert.ok(body.includes(`<title>${title} · RL-Arena</title>`), `${what}: title ${title}`);
  }
});

test("the layout's nav shows the viewer the request carries", async () => {
  const anonymous = await (await get("/matches")).text();
  assert.ok(anonymous.includes('<a href="/login">Log in</a>') && !anonymous.includes('id="logout"'));
  const mine = await (await get("/matches", alice.cookie)).text();
  assert.is(count(mine, 'id="logout"'), 1);
  assert.ok(mine.includes('<a href="/profile">alice</a>'));
  assert.not.ok(mine.includes('href="/admin"'), "no admin link for a user");
  const admins = await (await get("/", root.cookie)).text();
  assert.ok(admins.includes('<a href="/admin">Admin</a>'));
  assert.ok((await (await get("/profile", alice.cookie)).text()).includes('<a href="/profile" class="current">alice</a>'), "the page's nav entry is current");
});

test("a live page's layout holds one SSE element with the page's topics; a finished one none", async () => {
  const home = await (await get("/")).text();
  assert.is(count(home, "hx-sse:connect="), 1);
  assert.match(home, 'hx-sse:connect="/events?topics=leaders%2Cfeed&amp;since=');
  assert.is(count(await (await get("/matches?page=2")).text(), "hx-sse:connect="), 0, "later pages of /matches are not live");
  assert.is(count(await (await get("/login")).text(), "hx-sse:connect="), 0);
});

test("a boosted navigation (htmx sends HX-Request too) still gets the whole page: htmx swaps its body and title", async () => {
  const res = await get("/matches", alice.cookie, { "HX-Request": "true", "HX-Boosted": "true", "HX-Request-Type": "full" });
  assert.is(res.status, 200);
  assertOneLayout(await res.text(), "boosted GET /matches");
});

test("an htmx form post gets only its fragment, without the layout, with the route's status", async () => {
  const htmx = { "HX-Request": "true" };
  const login = await app.request(formPost("/login", { login: "alice", password: "not her password" }, htmx));
  assert.is(login.status, 422);
  const loginBody = await login.text();
  assert.ok(loginBody.startsWith('<form method="post" action="/login"'), loginBody.slice(0, 80));
  assertNoLayout(loginBody, "htmx POST /login");

  const signup = await app.request(formPost("/signup", { username: "x", email: "nope", password: "short" }, htmx));
  assert.is(signup.status, 422);
  assertNoLayout(await signup.text(), "htmx POST /signup");

  const password = await app.request(formPost("/profile/password", { currentPassword: "", newPassword: "" }, { ...htmx, Cookie: alice.cookie }));
  assert.is(password.status, 422);
  assertNoLayout(await password.text(), "htmx POST /profile/password");

  const refused = await app.request(formPost(`/agents/${bobAgent}/challenges`, { agentId: "nope" }, { ...htmx, Cookie: alice.cookie }));
  assert.is(refused.status, 400);
  const refusedBody = await refused.text();
  assert.ok(refusedBody.startsWith('<p class="form-error" role="alert" data-status="400">'), refusedBody.slice(0, 80));
  assertNoLayout(refusedBody, "htmx POST refused");

  const setting = await app.request(formPost("/admin/settings", { key: "match_cooldown_s", value: "not json" }, { ...htmx, Cookie: root.cookie }));
  assert.is(setting.status, 400);
  const settingBody = await setting.text();
  assert.ok(settingBody.startsWith("<tr"), settingBody.slice(0, 80));
  assertNoLayout(settingBody, "htmx POST /admin/settings");
});

test("the same failed forms without htmx get the whole page again, layout once, status kept", async () => {
  const login = await app.request(formPost("/login", { login: "alice", password: "not her password" }));
  assert.is(login.status, 422);
  assertOneLayout(await login.text(), "plain POST /login");
  const password = await app.request(formPost("/profile/password", { currentPassword: "", newPassword: "" }, { Cookie: alice.cookie }));
  assert.is(password.status, 422);
  assertOneLayout(await password.text(), "plain POST /profile/password");
  const refused = await app.request(formPost(`/agents/${bobAgent}/challenges`, { agentId: "nope" }, { Cookie: alice.cookie }));
  assert.is(refused.status, 400);
  assertOneLayout(await refused.text(), "plain POST refused");
});

test("views do not wrap themselves in the layout and page routes do not render around c.render", () => {
  // /api/docs is served by the API's routes (src/web/api), outside the page renderer, so its view keeps the layout.
  const wrapping = sourceFiles(join(PROJECT_ROOT, "views"), /\.tsx$/).filter((f) => basename(f) !== "layout.tsx")
    .filter((f) => /<Layout[\s>]/.test(readFileSync(f, "utf8"))).map((f) => basename(f));
  assert.equal(wrapping, [], "views that render <Layout> themselves");
  const handMade = sourceFiles(join(PROJECT_ROOT, "src", "web", "pages"), /_routes\.tsx$/)
    .filter((f) => /\bhtml\(c,|<Layout[\s>]|<!DOCTYPE/i.test(readFileSync(f, "utf8"))).map((f) => basename(f));
  assert.equal(handMade, [], "page routes that build a page without c.render");
});

test.after(async () => {
  await db.drop();
});

test.run();
