import { test } from "uvu";
import * as assert from "uvu/assert";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";

let h: ApiHarness;
let alice: { token: string; user: { id: string } };
let bob: { token: string; user: { id: string } };
test.before(async () => {
  h = await createApiHarness();
  alice = await h.register("alice");
  bob = await h.register("bob");
});
test.after(async () => {
  await h.close();
});

const create = async (token: string, name: string, environmentId = "pong") =>
  h.call("POST", "/agents", { token, body: { name, environmentId, description: `${name} plays` } });

test("POST /agents creates an agent (201) with the original camelCase fields and rating 1500", async () => {
  const res = await create(alice.token, "Tracker");
  assert.is(res.status, 201);
  const { agent } = await res.json();
  assert.is(agent.name, "Tracker");
  assert.is(agent.userId, alice.user.id);
  assert.is(agent.username, "alice");
  assert.is(agent.environmentId, "pong");
  assert.is(agent.elo, 1500);
  assert.is(agent.score, 1500);
  assert.equal([agent.wins, agent.losses, agent.draws, agent.totalMatches], [0, 0, 0, 0]);
  assert.is(agent.activeSubmissionId, null);
  assert.match(agent.createdAt, /^\d{4}-\d\d-\d\dT/);
});

test("POST /agents needs a user (401), valid fields (400), a known environment (404) and a free name (409)", async () => {
  assert.is((await h.call("POST", "/agents", { body: { name: "x", environmentId: "pong" } })).status, 401);
  const noName = await h.call("POST", "/agents", { token: alice.token, body: { environmentId: "pong" } });
  assert.is(noName.status, 400);
  assert.match((await noName.json()).message, /^name: /);
  const longName = await create(alice.token, "x".repeat(65));
  assert.is(longName.status, 400);
  const unknownEnv = await create(alice.token, "Lost", "chess");
  assert.is(unknownEnv.status, 404);
  assert.match((await unknownEnv.json()).message, /chess/);
  const dup = await create(alice.token, "tracker");
  assert.is(dup.status, 409);
  assert.match((await dup.json()).message, /already have an agent named "tracker"/);
  assert.is((await create(bob.token, "Tracker")).status, 201, "another user may reuse the name");
});

test("GET /agents pages through every agent with page, pageSize and total", async () => {
  for (const n of ["A1", "A2", "A3"]) assert.is((await create(bob.token, n)).status, 201);
  const first = await (await h.call("GET", "/agents?page=1&pageSize=2")).json();
  assert.is(first.agents.length, 2);
  assert.is(first.page, 1);
  assert.is(first.pageSize, 2);
  assert.is(first.total, 5);
  const third = await (await h.call("GET", "/agents?page=3&pageSize=2")).json();
  assert.is(third.agents.length, 1);
  const ids = new Set([...first.agents, ...third.agents].map((a: { id: string }) => a.id));
  assert.is(ids.size, 3);
  const bad = await h.call("GET", "/agents?pageSize=500");
  assert.is(bad.status, 400);
  assert.match((await bad.json()).message, /pageSize must be between 1 and 100/);
  assert.is((await h.call("GET", "/agents?page=0")).status, 400);
  const byEnv = await (await h.call("GET", "/agents?environmentId=tic-tac-toe")).json();
  assert.is(byEnv.total, 0);
});

test("GET /agents/my lists only the caller's agents and needs a user", async () => {
  assert.is((await h.call("GET", "/agents/my")).status, 401);
  const mine = await (await h.call("GET", "/agents/my", { token: alice.token })).json();
  assert.equal(mine.agents.map((a: { name: string }) => a.name), ["Tracker"]);
  assert.is(mine.total, 1);
});

test("GET /agents/:id returns one agent; unknown and malformed ids answer 404", async () => {
  const { agents } = await (await h.call("GET", "/agents/my", { token: alice.token })).json();
  const one = await h.call("GET", `/agents/${agents[0].id}`);
  assert.is(one.status, 200);
  assert.is((await one.json()).agent.id, agents[0].id);
  const missing = await h.call("GET", "/agents/00000000-0000-4000-8000-000000000000");
  assert.is(missing.status, 404);
  assert.equal(await missing.json(), { error: "not_found", message: "agent 00000000-0000-4000-8000-000000000000 does not exist" });
  const malformed = await h.call("GET", "/agents/not-a-uuid");
  assert.is(malformed.status, 404);
  assert.match((await malformed.json()).message, /"not-a-uuid" does not exist/);
});

test("PUT /agents/:id lets the owner rename; another user gets 403, anonymous 401", async () => {
  const { agent } = await (await create(alice.token, "Renamable")).json();
  const put = await h.call("PUT", `/agents/${agent.id}`, { token: alice.token, body: { name: "Renamed" } });
  assert.is(put.status, 200);
  const body = await put.json();
  assert.is(body.agent.name, "Renamed");
  assert.is(body.agent.description, "Renamable plays", "an absent field keeps its value");
  const other = await h.call("PUT", `/agents/${agent.id}`, { token: bob.token, body: { name: "Stolen" } });
  assert.is(other.status, 403);
  assert.match((await other.json()).message, /belongs to another user/);
  assert.is((await h.call("PUT", `/agents/${agent.id}`, { body: { name: "x" } })).status, 401);
  assert.is((await h.call("PUT", `/agents/${agent.id}`, { token: alice.token, body: {} })).status, 400);
  const clash = await h.call("PUT", `/agents/${agent.id}`, { token: alice.token, body: { name: "Tracker" } });
  assert.is(clash.status, 409);
});

test("DELETE /agents/:id is owner-only and the agent is then gone (404)", async () => {
  const { agent } = await (await create(alice.token, "Doomed")).json();
  assert.is((await h.call("DELETE", `/agents/${agent.id}`, { token: bob.token })).status, 403);
  const del = await h.call("DELETE", `/agents/${agent.id}`, { token: alice.token });
  assert.is(del.status, 200);
  assert.is((await h.call("GET", `/agents/${agent.id}`)).status, 404);
  assert.is((await h.call("DELETE", `/agents/${agent.id}`, { token: alice.token })).status, 404);
});

test("GET /agents/:id/stats answers the head-to-head list (empty before any match) and 404 for unknown agents", async () => {
  const { agents } = await (await h.call("GET", "/agents/my", { token: alice.token })).json();
  const res = await h.call("GET", `/agents/${agents[0].id}/stats`);
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(body.agentId, agents[0].id);
  assert.equal(body.stats, []);
  assert.is(body.total, 0);
  assert.is((await h.call("GET", "/agents/00000000-0000-4000-8000-000000000000/stats")).status, 404);
});

test("GET /environments lists the enabled environments with their game description, paginated", async () => {
  const res = await h.call("GET", "/environments");
  assert.is(res.status, 200);
  const body = await res.json();
  assert.ok(body.total >= 1);
  const pong = body.environments.find((e: { id: string }) => e.id === "pong");
  assert.ok(pong, "pong is listed");
  assert.is(pong.version, "1.0.0");
  assert.is(pong.description.numPlayers, 2);
  assert.is(body.page, 1);
});

test.run();
