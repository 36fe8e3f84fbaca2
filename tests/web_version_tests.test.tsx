/**
 * The agent page's challenge button and "is v2 better?" form (app.request, real PostgreSQL), and
 * the version test page with its live progress over /events (topic version-test:<id>).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { makeUser, playMatch } from "./helpers/sql_fixtures.ts";
import { formPost, ORIGIN, signedIn, webApp } from "./helpers/web.ts";
import { createLogger } from "../src/log.ts";
import { liveRenderer } from "../src/web/live/renderers.tsx";
import { LiveHub } from "../src/web/live/hub.ts";

const db = await createTestDatabase();
const sql = db.sql;
const hub = new LiveHub(liveRenderer(sql), createLogger({ level: "error" }));
await hub.listen(sql);
const { app, deps } = webApp(sql, { hub });
const alice = await signedIn(deps, await makeUser(deps.sql, { name: "alice" }));
const bob = await signedIn(deps, await makeUser(deps.sql, { name: "bob" }));
const agentOf = async (owner: string, name: string) =>
  String((await sql`select id from create_agent(${owner}, 'pong', ${name}, '')`)[0]!.id);
const aliceAgent = await agentOf(alice.id, "AliceBot");
const bobAgent = await agentOf(bob.id, "BobBot");
const v1 = String((await sql`select id from create_builtin_submission(${aliceAgent}, 'pong-random')`)[0]!.id);
const v2 = String((await sql`select id from create_builtin_submission(${aliceAgent}, 'pong-tracker')`)[0]!.id);
await sql`select create_builtin_submission(${bobAgent}, 'pong-random')`;

const page = async (path: string, cookie?: string) => {
  const res = await app.request(ORIGIN + path, { headers: cookie ? { Cookie: cookie } : {} });
  return { status: res.status, text: await res.text() };
};

test("a signed-in visitor's agent page has a challenge button that queues an unranked match (the API's action)", async () => {
  const seen = await page(`/agents/${bobAgent}`, alice.cookie);
  assert.match(seen.text, new RegExp(`action="/agents/${bobAgent}/challenges"`));
  assert.match(seen.text, new RegExp(`<option value="${aliceAgent}">AliceBot</option>`));
  assert.not.match((await page(`/agents/${bobAgent}`)).text, /agent-challenge/, "no button for an anonymous visitor");
  assert.not.match((await page(`/agents/${bobAgent}`, bob.cookie)).text, /agent-challenge/, "no button on one's own agent");
  const res = await app.request(formPost(`/agents/${bobAgent}/challenges`, { agentId: aliceAgent }, { Cookie: alice.cookie }));
  assert.is(res.status, 303);
  const matchId = /^\/matches\/([0-9a-f-]{36})$/.exec(res.headers.get("location") ?? "")?.[1];
  assert.ok(matchId, res.headers.get("location") ?? "no location");
  const [m] = await sql`select ranked, challenger_id, player0_agent_id, player1_agent_id from matches where id = ${matchId!}`;
  assert.equal([m!.ranked, m!.challenger_id, [m!.player0_agent_id, m!.player1_agent_id].sort()], [false, alice.id, [aliceAgent, bobAgent].sort()]);
});

test("the challenge button refuses another user's agent as the challenger (403 page, SQL's message)", async () => {
  const res = await app.request(formPost(`/agents/${aliceAgent}/challenges`, { agentId: bobAgent }, { Cookie: alice.cookie }));
  assert.is(res.status, 403);
  assert.match(await res.text(), /belongs to another user/);
});

test("the owner starts 'is v2 better?' from the agent page; its page shows live progress to the verdict", async () => {
  const own = await page(`/agents/${aliceAgent}`, alice.cookie);
  assert.match(own.text, /Is v2 better than/);
  assert.match(own.text, new RegExp(`<option value="${v1}">v1</option>`));
  assert.not.match((await page(`/agents/${aliceAgent}`, bob.cookie)).text, /agent-version-test/, "only the owner sees the form");
  const res = await app.request(formPost(`/agents/${aliceAgent}/version-tests`, { baselineSubmissionId: v1 }, { Cookie: alice.cookie }));
  assert.is(res.status, 303);
  const testId = /^\/version-tests\/([0-9a-f-]{36})$/.exec(res.headers.get("location") ?? "")?.[1]!;
  assert.ok(testId);
  const first = await page(`/version-tests/${testId}`);
  assert.is(first.status, 200);
  assert.match(first.text, /<h1>Is v2 better than v1\?<\/h1>/);
  assert.match(first.text, /data-status="running"/);
  assert.ok(first.text.includes(`/events?topics=${encodeURIComponent(`version-test:${testId}`)}`), "the page subscribes to its topic");

  const ac = new AbortController();
  const live = await app.request(`${ORIGIN}/events?topics=version-test:${testId}`, { signal: ac.signal });
  const reader = live.body!.getReader();
  let text = "";
  const pump = (async () => {
    try { for (;;) { const { done, value } = await reader.read(); if (done) break; text += new TextDecoder().decode(value); } } catch { /* aborted */ }
  })();
  const waitFor = async (re: RegExp) => {
    for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (re.test(text)) return;
    throw new Error(`the stream did not show ${re}; got:\n${text}`);
  };
  try {
    // one pair, each version winning its seat-0 game: one complete pair, still running
    for (const g of await sql`select id, player0_submission_id from matches where version_test_id = ${testId} and status = 'pending'`) {
      await playMatch(sql, g.id, 0);
    }
    await waitFor(/id="version-test-pairs">1</);
    assert.match(text, /hx-swap-oob="true"/);
    // then the candidate wins everything until decided
    for (let i = 0; i < 40; i++) {
      const games = await sql`select id, player0_submission_id from matches where version_test_id = ${testId} and status = 'pending'`;
      if (games.length === 0) break;
      for (const g of games) await playMatch(sql, g.id, g.player0_submission_id === v2 ? 0 : 1);
    }
    await waitFor(/data-status="better"/);
  } finally {
    ac.abort();
    await reader.cancel().catch(() => {});
    await pump;
  }
  const listed = await page(`/agents/${aliceAgent}`);
  assert.ok(listed.text.includes(`<a href="/version-tests/${testId}">Is v2 better than v1?</a> better`), "the agent page lists the test with its verdict");
  const done = await page(`/version-tests/${testId}`);
  assert.match(done.text, /Verdict: <b id="version-test-verdict" data-status="better">better<\/b>/);
  assert.match(done.text, /v2 − v1: \+\d+(\.\d)? Elo \(95 %: \+/);
  assert.match(done.text, /href="\/matches\/[0-9a-f-]{36}"/);
  assert.is((await page("/version-tests/00000000-0000-4000-8000-000000000000")).status, 404);
});

test.after(async () => {
  await hub.stop();
  await db.drop();
});
test.run();
