import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeAgent, makeUser, playMatch } from "./helpers/sql_fixtures.ts";
import { ORIGIN, webApp } from "./helpers/web.ts";
import { rankRange } from "../views/skill.tsx";

const db = await createTestDatabase();
const sql = db.sql;
const { app } = webApp(sql);
const get = (path: string) => app.request(ORIGIN + path);

const owner = await makeUser(sql);
const ids = [await makeAgent(sql, owner.id, { name: "Strong" }), await makeAgent(sql, owner.id, { name: "Middle" }), await makeAgent(sql, owner.id, { name: "Weak" })];
for (const [a, b] of [[0, 1], [0, 2], [1, 2], [0, 1], [0, 2], [1, 2]] as const) await playMatch(sql, await insertMatch(sql, ids[a]!, ids[b]!), 0);
await sql`update agents set rating = 1900 where id = ${ids[2]}`; // ELO order ≠ skill order (test setup)
await sql`select refit_skills('pong')`;
const [strong] = await sql`select skill, skill_se, skill_rank_best, skill_rank_worst from agents where id = ${ids[0]}`;

test("the leaderboard page shows skill ± its 95 % interval and the rank range next to ELO", async () => {
  const body = await (await get("/environments/pong")).text();
  assert.match(body, `${Math.round(strong.skill)} ± ${Math.round(1.96 * strong.skill_se)}`);
  assert.match(body, rankRange({ mu: 0, se: 0, rankBest: strong.skill_rank_best, rankWorst: strong.skill_rank_worst })!);
  assert.ok(body.indexOf(">Weak<") < body.indexOf(">Strong<"), "sorted by ELO by default");
});

test("with leaderboard_sort = \"skill\" the page and the API rank by skill", async () => {
  await sql`update environments set settings = settings || '{"leaderboard_sort": "skill"}' where id = 'pong'`;
  try {
    const body = await (await get("/environments/pong")).text();
    assert.ok(body.indexOf(">Strong<") < body.indexOf(">Middle<") && body.indexOf(">Middle<") < body.indexOf(">Weak<"));
    const json = await (await get("/api/v1/leaderboard/environment/pong")).json();
    assert.equal(json.leaderboard.map((r: { name: string }) => r.name), ["Strong", "Middle", "Weak"]);
    const s = json.leaderboard[0].skill;
    assert.equal([s.mu, s.se, s.rankBest, s.rankWorst], [Math.round(strong.skill), Math.round(strong.skill_se), strong.skill_rank_best, strong.skill_rank_worst]);
    assert.is(s.low, Math.round(strong.skill - 1.96 * strong.skill_se));
  } finally {
    await sql`update environments set settings = settings - 'leaderboard_sort' where id = 'pong'`;
  }
});

test("the agent page and GET /agents/:id/stats show the skill; an agent without games shows none", async () => {
  const page = await (await get(`/agents/${ids[0]}`)).text();
  assert.match(page, new RegExp(`id="agent-skill"><span class="skill"[^>]*>${Math.round(strong.skill)} ± `));
  const stats = await (await get(`/api/v1/agents/${ids[0]}/stats`)).json();
  assert.is(stats.summary.skill.mu, Math.round(strong.skill));
  const fresh = await makeAgent(sql, owner.id, { name: "Fresh" });
  assert.is((await (await get(`/api/v1/agents/${fresh}/stats`)).json()).summary.skill, null);
  assert.match(await (await get(`/agents/${fresh}`)).text(), /id="agent-skill"><span class="muted"[^>]*>–</);
});

test("rankRange words a range, a certain rank and an unknown one", () => {
  assert.is(rankRange({ mu: 1, se: 1, rankBest: 3, rankWorst: 7 }), "could be 3rd–7th");
  assert.is(rankRange({ mu: 1, se: 1, rankBest: 1, rankWorst: 1 }), "surely 1st");
  assert.is(rankRange({ mu: 1, se: 1, rankBest: 11, rankWorst: 22 }), "could be 11th–22nd");
  assert.is(rankRange({ mu: 1, se: 1, rankBest: null, rankWorst: null }), null);
});

test.after(() => db.drop());
test.run();
