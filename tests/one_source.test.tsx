import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeAgent, makeEnvironment, makeUser, outcome } from "./helpers/sql_fixtures.ts";
import { formPost, ORIGIN, signedIn, webApp } from "./helpers/web.ts";
import { createSql } from "../src/db/client.ts";
import { matchSettingsFor, matchSettingsFrom } from "../src/jobs/match_settings.ts";
import { inspectArchive } from "../src/submissions/intake.ts";
import { forgetUploadLimits, uploadLimits } from "../src/submissions/upload_limits.ts";

// Issue 12: the pages and the API read the same SQL, so they can never tell different stories.
const db = await createTestDatabase();
const sql = db.sql;
const { app, deps } = webApp(sql);
const get = (path: string) => app.request(ORIGIN + path);

/** The leaderboard rows of a page as "rank name" strings. */
function pageRanks(body: string, environment: string): string[] {
  const tbody = body.slice(body.indexOf(`id="leaderboard-${environment}"`));
  const rows = tbody.slice(0, tbody.indexOf("</tbody>")).split("<tr").slice(1);
  return rows.map((r) => `${/class="rank">(\d+)</.exec(r)?.[1]} ${/href="\/agents\/[^"]+">([^<]+)</.exec(r)?.[1]}`);
}

test("the leaderboard page ranks like leaderboard(): ties share a rank and a disabled user's agents are gone", async () => {
  const env = await makeEnvironment(sql);
  const owner = await makeUser(sql);
  const banned = await makeUser(sql);
  await makeAgent(sql, owner.id, { environment: env, name: "Alpha", rating: 1600, games: 3 });
  await makeAgent(sql, owner.id, { environment: env, name: "Beta", rating: 1600, games: 1 });
  await makeAgent(sql, banned.id, { environment: env, name: "Gamma", rating: 1700 });
  await sql`update users set disabled = true where id = ${banned.id}`;
  const api = await sql`select rank, agent_name from leaderboard(${env})`;
  assert.equal(api.map((r) => `${r.rank} ${r.agent_name}`), ["1 Alpha", "1 Beta"]);
  assert.equal(pageRanks(await (await get(`/environments/${env}`)).text(), env), ["1 Alpha", "1 Beta"]);
  const home = await (await get("/")).text();
  const card = home.slice(home.indexOf(`Test ${env}`), home.indexOf(`Test ${env}`) + 600);
  assert.match(card, "2 agents");
  assert.match(card, "Alpha");
  assert.not.match(card, "Gamma");
});

test("the rate-limit settings are seeded, so set_setting changes them, and the web answers with the new limit", async () => {
  const before = await sql`select key, value from settings where key like 'rate_limit_%_per_min'`;
  assert.is(before.length, 3);
  try {
    for (const key of ["rate_limit_auth_per_min", "rate_limit_upload_per_min", "rate_limit_replay_per_min"]) {
      const [row] = await sql`select key, value from set_setting(${key}, '7')`;
      assert.is(Number(row.value), 7, key);
    }
    const res = await app.request(ORIGIN + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "nobody", password: "whatever-pw" }) });
    assert.is(res.headers.get("x-ratelimit-limit"), "7");
  } finally {
    for (const r of before) await sql`select set_setting(${r.key}, ${sql.json(r.value)})`;
  }
});

test("the match page shows an admin every seat's log, as match_logs_for does; a stranger none", async () => {
  const owner = await makeUser(sql);
  const [a, b] = [await makeAgent(sql, owner.id, { name: "LogA" }), await makeAgent(sql, owner.id, { name: "LogB" })];
  const match = await insertMatch(sql, a, b);
  await sql`select match_id from start_match(${match})`;
  await sql`select id from finish_match(${match}, ${sql.json(outcome(0) as never)}, null, ${["seat zero says hi", "seat one says hi"]})`;
  const admin = await signedIn(deps, await makeUser(deps.sql, { name: "logadmin", admin: true }));
  const stranger = await signedIn(deps, await makeUser(deps.sql, { name: "logstranger" }));
  const [viaSql] = await sql`select count(*)::int as n from match_logs_for(${admin.id}, ${match})`;
  assert.is(viaSql.n, 2);
  const asAdmin = await (await app.request(ORIGIN + `/matches/${match}`, { headers: { Cookie: admin.cookie } })).text();
  assert.match(asAdmin, "seat zero says hi");
  assert.match(asAdmin, "seat one says hi");
  const asStranger = await (await app.request(ORIGIN + `/matches/${match}`, { headers: { Cookie: stranger.cookie } })).text();
  assert.not.match(asStranger, "says hi");
});

test("is_forfeit names the faults an agent loses by, and the admin page and report count through it", async () => {
  const [r] = await sql`select array_agg(x order by x) filter (where is_forfeit(x)) as yes
                        from unnest(array['completed', 'truncated', 'timeout', 'crash', 'invalid_action', 'protocol_error', null]) x`;
  assert.equal(r.yes, ["crash", "invalid_action", "protocol_error", "timeout"]);
});

test("match limits come from the settings alone: start_match and builds read match_limits(), TypeScript adds no default", async () => {
  const env = await makeEnvironment(sql);
  await sql`select set_environment_settings(${(await makeUser(sql, { admin: true })).id}, ${env}, '{"memory_mb": 300, "time_bank_s": 7}')`;
  const owner = await makeUser(sql);
  const match = await insertMatch(sql, await makeAgent(sql, owner.id, { environment: env }), await makeAgent(sql, owner.id, { environment: env }), env);
  const [started] = await sql`select limits from start_match(${match})`;
  const fromMatch = matchSettingsFrom(started.limits);
  assert.equal(await matchSettingsFor(sql, env), fromMatch);
  assert.is(fromMatch.memoryMb, 300);
  assert.is(fromMatch.timeBankS, 7);
  const [{ value }] = await sql`select value from settings where key = 'log_cap_bytes'`;
  assert.is(fromMatch.logCapBytes, Number(value));
  assert.throws(() => matchSettingsFrom({ ...started.limits, cpus: null }), /match limit cpus is null; it must be a number/);
});

test("the upload limit is the archive_max_bytes setting everywhere: API, page form, intake, OpenAPI and the form's hint", async () => {
  const [{ value: before }] = await sql`select value from settings where key = 'archive_max_bytes'`;
  await sql`select set_setting('archive_max_bytes', '1572864')`;
  forgetUploadLimits(sql);
  try {
    const user = await signedIn(deps, await makeUser(deps.sql, { name: "uploader" }));
    const agent = await makeAgent(sql, user.id, { name: "Upl" });
    const form = (bytes: number) => {
      const f = new FormData();
      f.set("agentId", agent);
      f.set("file", new File([Buffer.alloc(bytes, 1)], "big.zip"));
      return f;
    };
    const post = (path: string, bytes: number) => app.request(ORIGIN + path, { method: "POST", headers: { Cookie: user.cookie, Origin: ORIGIN }, body: form(bytes) });
    for (const path of ["/api/v1/submissions", "/submissions"]) {
      for (const bytes of [1600 * 1024, 1700 * 1024]) { // over the archive limit; over the body limit too
        const res = await post(path, bytes);
        assert.is(res.status, 413, `${path} ${bytes}`);
        assert.match(await res.text(), "1.5 MB", `${path} ${bytes}`);
      }
    }
    const refused = await inspectArchive(Buffer.alloc(1600 * 1024), "x.zip", await uploadLimits(sql)).catch((e: Error) => e);
    assert.match(String(refused), "the limit is 1.5 MB");
    assert.match(await (await get("/api/openapi.json")).text(), "at most 1.5 MB");
    const page = await (await app.request(ORIGIN + "/environments/pong", { headers: { Cookie: user.cookie } })).text();
    assert.match(page, "(≤ 1.5 MB)");
  } finally {
    await sql`select set_setting('archive_max_bytes', ${sql.json(before)})`;
    forgetUploadLimits(sql);
  }
});

test("agent name and description lengths are SQL's rule alone: the API and the form answer with check_agent_fields' message", async () => {
  const user = await signedIn(deps, await makeUser(deps.sql, { name: "namer" }));
  const json = (method: string, path: string, body: unknown) => app.request(ORIGIN + path, { method,
    headers: { Cookie: user.cookie, Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const long = "n".repeat(65);
  const api = await json("POST", "/api/v1/agents", { name: long, environmentId: "pong" });
  assert.is(api.status, 400);
  assert.match((await api.json()).message, `agent name "${long}" must be 1–64 characters`);
  const [agent] = await sql`select id from create_agent(${user.id}, 'pong', 'Namer', '')`;
  const update = await json("PUT", `/api/v1/agents/${agent.id}`, { description: "d".repeat(2001) });
  assert.is(update.status, 400);
  assert.match((await update.json()).message, "agent description is 2001 characters long; at most 2000 are allowed");
  const page = await app.request(formPost("/agents", { name: long, environmentId: "pong" }, { Cookie: user.cookie }));
  assert.is(page.status, 422);
  assert.match(await page.text(), "must be 1–64 characters");
});

test("an environment override (MATCH_COOLDOWN_S…) holds for the process given it: its connections read it, nothing is stored, its admin page says so", async () => {
  const overridden = createSql(db.url, { max: 1, settingOverrides: { match_cooldown_s: 0 } });
  try {
    const [mine] = await overridden`select setting_number('match_cooldown_s') as global, setting_number_for('pong', 'match_cooldown_s') as pong`;
    assert.equal([Number(mine.global), Number(mine.pong)], [0, 0]);
    const [other] = await sql`select setting_number('match_cooldown_s') as v, (select value #>> '{}' from settings where key = 'match_cooldown_s') as stored`;
    assert.is(Number(other.v), Number(other.stored));
    assert.ok(Number(other.stored) > 0, "the stored value is untouched");
    const admin = await signedIn(deps, await makeUser(deps.sql, { name: "overrideadmin", admin: true }));
    const withOverride = webApp(overridden).app;
    const page = await (await withOverride.request(ORIGIN + "/admin", { headers: { Cookie: admin.cookie } })).text();
    const row = page.slice(page.indexOf('id="setting-match_cooldown_s"'), page.indexOf("</tr>", page.indexOf('id="setting-match_cooldown_s"')));
    assert.match(row, "Overridden by the environment: 0 in this process");
    const plain = await (await app.request(ORIGIN + "/admin", { headers: { Cookie: admin.cookie } })).text();
    assert.not.match(plain, "Overridden by the environment");
  } finally {
    await overridden.end();
  }
});

test("login and sign-up are one action: the page and the API refuse with the same message", async () => {
  const post = (path: string, body: unknown) => app.request(ORIGIN + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const api = await (await post("/api/v1/auth/login", { username: "nobody_here", password: "whatever-pw" })).json();
  const page = await (await app.request(formPost("/login", { login: "nobody_here", password: "whatever-pw" }))).text();
  assert.match(page, api.message);
  await post("/api/v1/auth/register", { username: "twice", email: "twice@example.test", password: "long-enough-pw" });
  const again = await (await post("/api/v1/auth/register", { username: "twice", email: "other@example.test", password: "long-enough-pw" })).json();
  const pageAgain = await (await app.request(formPost("/signup", { username: "twice", email: "other2@example.test", password: "long-enough-pw" }))).text();
  assert.match(pageAgain.replaceAll("&quot;", '"'), again.message);
});

test("an upload is one action: the API and the page form refuse a non-archive with the same message, naming the file", async () => {
  const user = await signedIn(deps, await makeUser(deps.sql, { name: "junkuploader" }));
  const agent = await makeAgent(sql, user.id, { name: "Junk" });
  const send = (path: string) => {
    const form = new FormData();
    form.set("agentId", agent);
    form.set("file", new File(["not an archive"], "agent.zip"));
    return app.request(ORIGIN + path, { method: "POST", headers: { Cookie: user.cookie, Origin: ORIGIN }, body: form });
  };
  const api = await send("/api/v1/submissions");
  assert.is(api.status, 422);
  const { message } = await api.json();
  assert.ok(message.startsWith("agent.zip: "), message);
  const page = await send("/submissions");
  assert.is(page.status, 422);
  assert.match((await page.text()).replaceAll("&quot;", '"'), message);
});

test("the submission and match helpers live in arena_private, not in the public API", async () => {
  const rows = await sql`select n.nspname as schema, p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                         where p.proname in ('lock_submission', 'make_active', 'illegal_submission_transition', 'submission_status_event',
                                             'match_for_update', 'end_match_failed', 'match_event', 'emit_event_json')
                         order by p.proname`;
  assert.equal(rows.map((r) => `${r.schema}.${r.name}`), ["arena_private.emit_event_json", "arena_private.end_match_failed",
    "arena_private.illegal_submission_transition", "arena_private.lock_submission", "arena_private.make_active",
    "arena_private.match_event", "arena_private.match_for_update", "arena_private.submission_status_event"]);
});

test.after(() => db.drop());
test.run();
