import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { makeAgent, makeEnvironment, makeUser } from "./helpers/sql_fixtures.ts";
import { ORIGIN, webApp } from "./helpers/web.ts";

// Issue 12: the pages and the API read the same SQL, so they can never tell different stories.
const db = await createTestDatabase();
const sql = db.sql;
const { app } = webApp(sql);
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
  for (const key of ["rate_limit_auth_per_min", "rate_limit_upload_per_min", "rate_limit_replay_per_min"]) {
    const [row] = await sql`select key, value from set_setting(${key}, '7')`;
    assert.is(Number(row.value), 7, key);
  }
  const res = await app.request(ORIGIN + "/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "nobody", password: "whatever-pw" }) });
  assert.is(res.headers.get("x-ratelimit-limit"), "7");
});

test.after(() => db.drop());
test.run();
