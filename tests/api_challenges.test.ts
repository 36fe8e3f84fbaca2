import { test } from "uvu";
import * as assert from "uvu/assert";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";

let h: ApiHarness;
let alice: { token: string; user: { id: string } };
let bob: { token: string; user: { id: string } };
let a: string;
let b: string;

test.before(async () => {
  h = await createApiHarness();
  alice = await h.register("alice");
  bob = await h.register("bob");
  const make = async (token: string, name: string) =>
    (await (await h.call("POST", "/agents", { token, body: { name, environmentId: "pong" } })).json()).agent.id as string;
  a = await make(alice.token, "Lefty");
  b = await make(bob.token, "Righty");
  await h.db.sql`select create_builtin_submission(${a}, 'pong-tracker')`;
  await h.db.sql`select create_builtin_submission(${b}, 'pong-random')`;
});
test.after(async () => {
  await h.close();
});

test("POST /challenges queues an unranked match against another user's agent; it lists like any match", async () => {
  const res = await h.call("POST", "/challenges", { token: alice.token, body: { agentId: a, opponentId: b } });
  assert.is(res.status, 201);
  const body = await res.json();
  assert.match(body.message, /unranked/);
  assert.is(body.match.status, "pending");
  assert.equal([body.match.agent1Id, body.match.agent2Id].sort(), [a, b].sort());
  const [row] = await h.db.sql`select ranked, challenger_id from matches where id = ${body.match.id}`;
  assert.equal([row!.ranked, row!.challenger_id], [false, alice.user.id]);
  const list = await (await h.call("GET", `/matches/agent/${b}`)).json();
  assert.ok(list.matches.some((m: { id: string }) => m.id === body.match.id));
});

test("POST /challenges refuses someone else's agent (403), a malformed id (400) and no session (401)", async () => {
  assert.is((await h.call("POST", "/challenges", { token: bob.token, body: { agentId: a, opponentId: b } })).status, 403);
  const bad = await h.call("POST", "/challenges", { token: alice.token, body: { agentId: "nope", opponentId: b } });
  assert.is(bad.status, 400);
  assert.match(await bad.text(), /agentId must be the id/);
  assert.is((await h.call("POST", "/challenges", { body: { agentId: a, opponentId: b } })).status, 401);
});

test("POST /challenges with opponentSubmissionId plays the agent's active version against an older one", async () => {
  const [{ id: v1 }] = await h.db.sql`select active_submission_id as id from agents where id = ${a}`;
  await h.db.sql`select create_builtin_submission(${a}, 'pong-random')`;
  const res = await h.call("POST", "/challenges", { token: alice.token, body: { agentId: a, opponentSubmissionId: v1 } });
  assert.is(res.status, 201);
  const { match } = await res.json();
  assert.equal([match.agent1Id, match.agent2Id], [a, a]);
  assert.ok([match.agent1SubmissionId, match.agent2SubmissionId].includes(v1));
  const both = await h.call("POST", "/challenges", { token: alice.token, body: { agentId: a, opponentId: b, opponentSubmissionId: v1 } });
  assert.is(both.status, 400);
  assert.match(await both.text(), /exactly one of opponentId/);
});

test("the daily quota answers 429 with Retry-After", async () => {
  await h.db.sql`select set_setting('challenge_daily_quota', '1')`;
  try {
    const res = await h.call("POST", "/challenges", { token: alice.token, body: { agentId: a, opponentId: b } });
    assert.is(res.status, 429);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    assert.match((await res.json()).message, /daily quota/);
  } finally {
    await h.db.sql`select set_setting('challenge_daily_quota', '20')`;
  }
});

test.run();
