import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { formPost, ORIGIN, signedIn, webApp } from "./helpers/web.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const { app, deps } = webApp(db.sql);
const get = (path: string, headers: Record<string, string> = {}) => app.request(ORIGIN + path, { headers });
const admin = await signedIn(deps, await makeUser(deps.sql, { name: "admin_ops", admin: true }));
const carol = await signedIn(deps, await makeUser(deps.sql, { name: "carol" }));

/** Two built-in agents of carol's in pong, paired into one pending match. */
async function pendingMatch() {
  const [a] = await db.sql`select * from create_agent(${carol.id}, 'pong', ${"a" + crypto.randomUUID().slice(0, 8)}, '')`;
  const [b] = await db.sql`select * from create_agent(${carol.id}, 'pong', ${"b" + crypto.randomUUID().slice(0, 8)}, '')`;
  await db.sql`select create_builtin_submission(${a!.id}, 'pong-tracker')`;
  await db.sql`select create_builtin_submission(${b!.id}, 'pong-random')`;
  const [m] = await db.sql`select * from pair_agents('pong') where ${a!.id} in (player0_agent_id, player1_agent_id)`;
  assert.ok(m, "the two agents were paired");
  return { match: m!, agents: [a!.id as string, b!.id as string] };
}

test("a report downloads as CSV with a header row and quoted cells", async () => {
  const res = await get("/admin/reports/rating_bands.csv", { Cookie: admin.cookie });
  assert.is(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/csv/);
  assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename="rating_bands.csv"/);
  const lines = (await res.text()).split("\r\n");
  assert.ok(lines[0]!.startsWith('"'), "the header row is quoted");
  assert.ok(lines[0]!.split(",").length >= 2);
});

test("report names are checked: unknown or path-like names are 404 and reports are admin-only", async () => {
  assert.is((await get("/admin/reports/nope.csv", { Cookie: admin.cookie })).status, 404);
  assert.is((await get("/admin/reports/..%2F..%2Fpackage.json", { Cookie: admin.cookie })).status, 404);
  assert.is((await get("/admin/reports/rating_bands.csv", { Cookie: carol.cookie })).status, 403);
});

test("an administrator disables an agent: it leaves matchmaking, and enabling brings it back", async () => {
  const [agent] = await db.sql`select * from create_agent(${carol.id}, 'tic-tac-toe', 'toggled', '')`;
  await db.sql`select create_builtin_submission(${agent!.id}, 'tictactoe-random')`;
  const off = await app.request(formPost(`/admin/agents/${agent!.id}/disable`, {}, { Cookie: admin.cookie }));
  assert.is(off.status, 303);
  assert.is((await db.sql`select disabled from agents where id = ${agent!.id}`)[0]!.disabled, true);
  const pool = await db.sql`select agent_id from matchmaking_pool('tic-tac-toe', now())`;
  assert.not.ok(pool.some((r) => r.agent_id === agent!.id), "a disabled agent is not eligible");
  const on = await app.request(formPost(`/admin/agents/${agent!.id}/enable`, {}, { Cookie: admin.cookie }));
  assert.is(on.status, 303);
  assert.is((await db.sql`select disabled from agents where id = ${agent!.id}`)[0]!.disabled, false);
});

test("a non-admin cannot disable an agent, even their own", async () => {
  const [agent] = await db.sql`select * from create_agent(${carol.id}, 'tic-tac-toe', 'mine', '')`;
  const res = await app.request(formPost(`/admin/agents/${agent!.id}/disable`, {}, { Cookie: carol.cookie }));
  assert.is(res.status, 403);
  assert.is((await db.sql`select disabled from agents where id = ${agent!.id}`)[0]!.disabled, false);
});

test("an administrator cancels a pending match: it fails with the reason, and both agents are free", async () => {
  const { match, agents } = await pendingMatch();
  const res = await app.request(formPost(`/admin/matches/${match.id}/cancel`, {}, { Cookie: admin.cookie }));
  assert.is(res.status, 303);
  const [row] = await db.sql`select status, error from matches where id = ${match.id}`;
  assert.is(row!.status, "failed");
  assert.match(row!.error, /cancelled by administrator admin_ops/);
  const busy = await db.sql`select agent_id from busy_agents where agent_id in ${db.sql(agents)}`;
  assert.is(busy.length, 0);
  const again = await app.request(formPost(`/admin/matches/${match.id}/cancel`, {}, { Cookie: admin.cookie }));
  assert.is(again.status, 409, "a finished match cannot be cancelled twice");
});

test("an administrator re-runs a failed match as a new pending match with its own job", async () => {
  const { match } = await pendingMatch();
  await app.request(formPost(`/admin/matches/${match.id}/cancel`, {}, { Cookie: admin.cookie }));
  const res = await app.request(formPost(`/admin/matches/${match.id}/rerun`, {}, { Cookie: admin.cookie }));
  assert.is(res.status, 303);
  const [rerun] = await db.sql`select * from matches where rerun_of = ${match.id}`;
  assert.ok(rerun, "a new match points at the one it re-runs");
  assert.is(rerun!.status, "pending");
  assert.equal([rerun!.player0_agent_id, rerun!.player1_agent_id].sort(), [match.player0_agent_id, match.player1_agent_id].sort());
  const [{ n }] = await db.sql`select count(*)::int as n from pgboss.job where name = 'match.run' and data ->> 'matchId' = ${rerun!.id}`;
  assert.is(n, 1);
});

test("re-running a match that did not fail is refused with 409 and a reason", async () => {
  const { match } = await pendingMatch();
  const res = await app.request(formPost(`/admin/matches/${match.id}/rerun`, {}, { Cookie: admin.cookie }));
  assert.is(res.status, 409);
  assert.match(await res.text(), /only a failed match can be re-run/);
});

test.after(async () => {
  await db.drop();
});

test.run();
