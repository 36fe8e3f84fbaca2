import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeAgent, makeEnvironment, makeUser, playMatch, type Q } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const owner = await makeUser(sql);

/** Plays `results` ([player0 index, player1 index, winner seat or null]) between `agents` in order. */
async function play(q: Q, env: string, agents: string[], results: Array<[number, number, 0 | 1 | null]>) {
  for (const [a, b, winner] of results) await playMatch(q, await insertMatch(q, agents[a]!, agents[b]!, env), winner);
}

async function agentsIn(env: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await makeAgent(sql, owner.id, { environment: env, name: `a${i}` }));
  return ids;
}

async function skills(ids: string[]) {
  const rows = await sql`select id, skill, skill_se, skill_rank_best, skill_rank_worst from agents where id = any(${ids}::uuid[])`;
  return ids.map((id) => rows.find((r) => r.id === id)!);
}

// A round robin where i beats j when i < j, except for a few upsets and draws.
const roundRobin: Array<[number, number, 0 | 1 | null]> = [];
for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) for (let k = 0; k < 3; k++) roundRobin.push([i, j, k === 2 && j === i + 1 ? null : 0]);

test("refit_skills orders agents by their results, with μ on the Elo scale and a standard error", async () => {
  const env = await makeEnvironment(sql);
  const ids = await agentsIn(env, 4);
  await play(sql, env, ids, roundRobin);
  const fit = (await sql`select * from refit_skills(${env})`)[0]!;
  assert.is(fit.results, roundRobin.length);
  assert.is(fit.agents, 4);
  const s = await skills(ids);
  for (let i = 0; i < 3; i++) assert.ok(s[i].skill > s[i + 1].skill, `agent ${i} (${s[i].skill}) above agent ${i + 1} (${s[i + 1].skill})`);
  // the prior keeps the mean at initial_rating (1500) for a closed group of agents
  const mean = s.reduce((t, r) => t + r.skill, 0) / 4;
  assert.ok(Math.abs(mean - 1500) < 1, `mean ${mean}`);
  for (const r of s) assert.ok(r.skill_se > 20 && r.skill_se < 350, `se ${r.skill_se}`);
});

test("the fit does not depend on the order the results came in", async () => {
  const envA = await makeEnvironment(sql);
  const envB = await makeEnvironment(sql);
  const a = await agentsIn(envA, 4);
  const b = await agentsIn(envB, 4);
  await play(sql, envA, a, roundRobin);
  await play(sql, envB, b, [...roundRobin].reverse().map(([x, y, w]) => [y, x, w === null ? null : ((1 - w) as 0 | 1)]));
  await sql`select refit_skills(${envA}), refit_skills(${envB})`;
  const [sa, sb] = [await skills(a), await skills(b)];
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(sa[i].skill - sb[i].skill) < 0.05, `agent ${i}: ${sa[i].skill} vs ${sb[i].skill}`);
    assert.ok(Math.abs(sa[i].skill_se - sb[i].skill_se) < 0.05);
  }
  // while ELO, which weighs the latest games most, does depend on it
  const elo = await sql`select environment_id, array_agg(rating order by name) as r from agents where environment_id in (${envA}, ${envB}) group by 1`;
  assert.not.equal(elo[0]!.r, elo[1]!.r);
});

test("an agent that won every game gets a finite skill, and more games shrink the standard error", async () => {
  const env = await makeEnvironment(sql);
  const ids = await agentsIn(env, 3);
  await play(sql, env, ids, [[0, 1, 0], [0, 2, 0], [1, 2, null]]);
  await sql`select refit_skills(${env})`;
  const before = await skills(ids);
  assert.ok(Number.isFinite(before[0].skill) && before[0].skill > before[1].skill && before[0].skill < 2500, `skill ${before[0].skill}`);
  await play(sql, env, ids, [[0, 1, 0], [0, 2, 0], [1, 2, null], [0, 1, null], [2, 0, 1], [1, 2, 0]]);
  await sql`select refit_skills(${env})`;
  const after = await skills(ids);
  for (let i = 0; i < 3; i++) assert.ok(after[i].skill_se < before[i].skill_se, `agent ${i}: ${before[i].skill_se} → ${after[i].skill_se}`);
});

test("the rank range: a clearly dominant agent is 1st–1st; agents that are hard to tell apart share a range", async () => {
  const env = await makeEnvironment(sql);
  const ids = await agentsIn(env, 3);
  const results: Array<[number, number, 0 | 1 | null]> = [];
  for (let k = 0; k < 30; k++) results.push([0, 1, 0], [0, 2, 0], [1, 2, k % 2 === 0 ? 0 : 1]);
  await play(sql, env, ids, results);
  await sql`select refit_skills(${env})`;
  const s = await skills(ids);
  assert.equal([s[0].skill_rank_best, s[0].skill_rank_worst], [1, 1]);
  assert.equal([s[1].skill_rank_best, s[1].skill_rank_worst], [2, 3]);
  assert.equal([s[2].skill_rank_best, s[2].skill_rank_worst], [2, 3]);
});

test("an agent without a completed game has no skill; a refit is skipped until another match ends, unless forced", async () => {
  const env = await makeEnvironment(sql);
  const ids = await agentsIn(env, 3);
  await play(sql, env, ids, [[0, 1, 0]]);
  const [first] = await sql`select * from refit_skills(${env})`;
  const s = await skills(ids);
  assert.is(s[2].skill, null);
  assert.is(s[2].skill_rank_best, null);
  assert.ok(s[0].skill > 1500 && s[1].skill < 1500);
  await sql`update agents set skill = 0 where id = ${ids[0]}`; // a fit that did run would overwrite this
  const [again] = await sql`select * from refit_skills(${env})`;
  assert.equal(again.fitted_at, first.fitted_at);
  assert.is((await skills(ids))[0].skill, 0);
  const [forced] = await sql`select * from refit_skills(${env}, true)`;
  assert.ok(forced.fitted_at >= first.fitted_at);
  assert.ok((await skills(ids))[0].skill > 1500);
  await play(sql, env, ids, [[2, 1, 0]]);
  const [next] = await sql`select * from refit_skills(${env})`;
  assert.is(next.results, 2);
  assert.ok((await skills(ids))[2].skill > 1500);
});

test("refit_skills_when_due refits at most every skill_refit_interval_s", async () => {
  const env = await makeEnvironment(sql);
  const ids = await agentsIn(env, 2);
  await sql`update environments set settings = '{"skill_refit_interval_s": 60}' where id = ${env}`;
  await play(sql, env, ids, [[0, 1, 0]]);
  const at = async (iso: string) => sql.begin(async (tx) => {
    await tx`select set_config('rla.now', ${iso}, true)`;
    return (await tx`select results from refit_skills_when_due(${env}) where environment_id is not null`)[0]?.results ?? null;
  });
  const now = Date.now();
  assert.is(await at(new Date(now + 1000).toISOString()), 1); // never fitted: due
  await play(sql, env, ids, [[1, 0, 0]]);
  assert.is(await at(new Date(now + 30_000).toISOString()), null); // 29 s later: not yet
  assert.is(await at(new Date(now + 62_000).toISOString()), 2);
});

test("rank ranges compare each agent with the 100 on either side in skill order and count farther ones by their side", async () => {
  const env = await makeEnvironment(sql);
  const ids = await agentsIn(env, 230);
  // one game each: every skill is very uncertain, so without the cap every range would span all 230
  await play(sql, env, ids, Array.from({ length: 115 }, (_, k) => [2 * k, 2 * k + 1, 0] as [number, number, 0]));
  await sql`select refit_skills(${env})`;
  const rows = await sql`select skill_rank_best as best, skill_rank_worst as worst, row_number() over (order by skill desc, id) as pos
                         from agents where environment_id = ${env} order by pos`;
  assert.is(rows.length, 230);
  assert.equal([rows[0]!.best, rows[0]!.worst], [1, 101]);
  assert.equal([rows[229]!.best, rows[229]!.worst], [130, 230]);
  for (const r of rows) assert.ok(r.worst - Number(r.pos) <= 100 && Number(r.pos) - r.best <= 100, `pos ${r.pos}: ${r.best}–${r.worst}`);
});

test("leaderboard() carries each agent's skill and sorts by it when leaderboard_sort is \"skill\"; agent_stats() shows it", async () => {
  const env = await makeEnvironment(sql);
  const ids = await agentsIn(env, 3);
  await play(sql, env, ids, [[0, 1, 0], [0, 2, 0], [1, 2, 0], [0, 1, 0]]);
  await sql`select refit_skills(${env})`;
  // ELO order made different from the skill order (test setup)
  await sql`update agents set rating = case id when ${ids[2]}::uuid then 1700 when ${ids[0]}::uuid then 1600 else 1500 end where environment_id = ${env}`;
  const byElo = await sql`select agent_id, rank, skill, skill_se, skill_rank_best from leaderboard(${env}, 10, 0)`;
  assert.equal(byElo.map((r) => r.agent_id), [ids[2], ids[0], ids[1]]);
  assert.ok(byElo.every((r) => r.skill > 0 && r.skill_se > 0 && r.skill_rank_best >= 1));
  await sql`update environments set settings = '{"leaderboard_sort": "skill"}' where id = ${env}`;
  const bySkill = await sql`select agent_id, rank from leaderboard(${env}, 10, 0)`;
  assert.equal(bySkill.map((r) => r.agent_id), ids);
  assert.equal(bySkill.map((r) => Number(r.rank)), [1, 2, 3]);
  assert.equal((await sql`select agent_id from leaderboard(${env}, 1, 1)`).map((r) => r.agent_id), [ids[1]]);
  const [stats] = await sql`select skill, skill_se, skill_rank_best, skill_rank_worst from agent_stats(${ids[0]})`;
  const [own] = await skills([ids[0]!]);
  assert.equal([stats.skill, stats.skill_se, stats.skill_rank_best, stats.skill_rank_worst], [own.skill, own.skill_se, own.skill_rank_best, own.skill_rank_worst]);
});

test("refit_skills names an unknown environment (RLA20)", async () => {
  try {
    await sql`select refit_skills('no-such-game')`;
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, "RLA20");
  }
});

test("skill_sort follows the leaderboard_sort setting per environment", async () => {
  const env = await makeEnvironment(sql);
  assert.is((await sql`select skill_sort(${env}) as s`)[0]!.s, false);
  await sql`update environments set settings = '{"leaderboard_sort": "skill"}' where id = ${env}`;
  assert.is((await sql`select skill_sort(${env}) as s`)[0]!.s, true);
  assert.is((await sql`select skill_sort('pong') as s`)[0]!.s, false);
});

test.after(() => db.drop());
test.run();
