/** POST /api/v1/version-tests and GET /api/v1/version-tests/:id ("is v2 better than v1?"). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";
import { playMatch } from "./helpers/sql_fixtures.ts";

let h: ApiHarness;
let alice: { token: string; user: { id: string } };
let bob: { token: string; user: { id: string } };
let agent: string;
let v1: string;
let v2: string;

test.before(async () => {
  h = await createApiHarness();
  alice = await h.register("alice");
  bob = await h.register("bob");
  agent = (await (await h.call("POST", "/agents", { token: alice.token, body: { name: "Versions", environmentId: "pong" } })).json()).agent.id;
  v1 = (await h.db.sql`select id from create_builtin_submission(${agent}, 'pong-random')`)[0]!.id;
  v2 = (await h.db.sql`select id from create_builtin_submission(${agent}, 'pong-tracker')`)[0]!.id;
});
test.after(async () => {
  await h.close();
});

test("POST /version-tests starts the test with its first seat-swapped pair; GET follows it to the verdict with the games as evidence", async () => {
  const res = await h.call("POST", "/version-tests", { token: alice.token, body: { agentId: agent, baselineSubmissionId: v1 } });
  assert.is(res.status, 201);
  const { versionTest: started } = await res.json();
  assert.equal([started.status, started.pairs, started.candidate.submissionId, started.baseline.submissionId], ["running", 0, v2, v1]);
  assert.equal(started.games.map((g: { candidateSeat: number }) => g.candidateSeat).sort(), [0, 1]);
  // The candidate wins every game it plays (the worker's part, done here through finish_match).
  for (let i = 0; i < 40; i++) {
    const games = await h.db.sql`select id, player0_submission_id from matches where version_test_id = ${started.id} and status = 'pending'`;
    if (games.length === 0) break;
    for (const g of games) await playMatch(h.db.sql, g.id, g.player0_submission_id === v2 ? 0 : 1);
  }
  const got = await h.call("GET", `/version-tests/${started.id}`);
  assert.is(got.status, 200);
  const { versionTest: t } = await got.json();
  assert.is(t.status, "better");
  assert.ok(t.pairs > 2 && t.llr >= t.upperBound && t.eloLow > 0 && t.elo >= t.eloLow && t.eloHigh >= t.elo, JSON.stringify(t));
  assert.is(t.games.length, 2 * t.pairs);
  assert.ok(t.games.every((g: { status: string; winnerSeat: number; candidateSeat: number }) => g.status === "completed" && g.winnerSeat === g.candidateSeat));
});

test("POST /version-tests refuses another user's agent (403), the active version as baseline (400), bad ids (400), no session (401); GET an unknown test is 404", async () => {
  assert.is((await h.call("POST", "/version-tests", { token: bob.token, body: { agentId: agent, baselineSubmissionId: v1 } })).status, 403);
  const active = await h.call("POST", "/version-tests", { token: alice.token, body: { agentId: agent, baselineSubmissionId: v2 } });
  assert.is(active.status, 400);
  assert.match(await active.text(), /active version/);
  const bad = await h.call("POST", "/version-tests", { token: alice.token, body: { agentId: agent, baselineSubmissionId: "v1" } });
  assert.is(bad.status, 400);
  assert.match(await bad.text(), /baselineSubmissionId must be the id/);
  assert.is((await h.call("POST", "/version-tests", { body: { agentId: agent, baselineSubmissionId: v1 } })).status, 401);
  assert.is((await h.call("GET", "/version-tests/00000000-0000-4000-8000-000000000000")).status, 404);
  assert.is((await h.call("GET", "/version-tests/nope")).status, 404);
});

test("the daily quota (version_test_daily_quota) answers 429 with Retry-After", async () => {
  await h.db.sql`select set_setting('version_test_daily_quota', '1')`;
  try {
    const res = await h.call("POST", "/version-tests", { token: alice.token, body: { agentId: agent, baselineSubmissionId: v1 } });
    assert.is(res.status, 429);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    assert.match(await res.text(), /version_test_daily_quota/);
  } finally {
    await h.db.sql`select set_setting('version_test_daily_quota', '5')`;
  }
});

test.run();
