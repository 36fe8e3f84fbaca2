import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { ORIGIN, signedIn, webApp } from "./helpers/web.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";
import { createLogger } from "../src/log.ts";
import { liveRenderer } from "../src/web/live/renderers.tsx";
import { deliveriesOf, LiveHub } from "../src/web/live/hub.ts";
import { MAX_UNSENT_FRAMES } from "../src/web/live/events.ts";

const db = await createTestDatabase();
const hub = new LiveHub(liveRenderer(db.sql), createLogger({ level: "error" }));
await hub.listen(db.sql);
const { app, deps } = webApp(db.sql, { hub });
const alice = await signedIn(deps, await makeUser(deps.sql, { name: "alice" }));
const bob = await signedIn(deps, await makeUser(deps.sql, { name: "bob" }));

/** Opens /events and collects its text until `until` matches or the time runs out. */
async function stream(query: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await app.request(`${ORIGIN}/events?${query}`, { headers, signal: ac.signal });
  let text = "";
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader!.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch { /* aborted */ }
  })();
  return {
    res,
    get text() { return text; },
    async waitFor(pattern: RegExp | string, ms = 5000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text)) return text;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`stream did not show ${pattern} within ${ms} ms; got:\n${text}`);
    },
    async close() { ac.abort(); await reader?.cancel().catch(() => {}); await pump; },
  };
}

test("a match.finished event reaches the feed, the environment's leaderboard, both agents and the match", () => {
  const topics = deliveriesOf({ type: "match.finished", matchId: "m1", environment: "pong", agentIds: ["a", "b"] }).map((d) => d.topic);
  assert.equal(topics.sort(), ["agent:a", "agent:b", "feed", "feed:pong", "leaderboard:pong", "leaders", "match:m1"].sort());
});

test("a matches.created event (one matchmaking tick) reaches the feeds, every agent and every match", () => {
  const topics = deliveriesOf({ type: "matches.created", environment: "pong", matchIds: ["m1", "m2"], agentIds: ["a", "b", "c", "d"] }).map((d) => d.topic);
  assert.equal(topics.sort(), ["agent:a", "agent:b", "agent:c", "agent:d", "feed", "feed:pong", "match:m1", "match:m2"].sort());
});

test("build status goes only to the submission's owner", () => {
  const d = deliveriesOf({ type: "submission.status", submissionId: "s", agentId: "a", ownerId: "u1", status: "active" });
  assert.equal(d.find((x) => x.topic === "submissions"), { topic: "submissions", ownerId: "u1" });
});

test("unknown topics are refused with 400 naming the rule", async () => {
  const res = await app.request(`${ORIGIN}/events?topics=secrets`);
  assert.is(res.status, 400);
  assert.match(await res.text(), "unknown topic");
});

test("a database event pushes the leaderboard fragment, and build status reaches the owner only", async () => {
  const mine = await stream("topics=leaderboard:pong,submissions", { Cookie: alice.cookie });
  const theirs = await stream("topics=submissions", { Cookie: bob.cookie });
  assert.is(mine.res.headers.get("content-type"), "text/event-stream");
  await mine.waitFor(": connected");
  await theirs.waitFor(": connected");
  const [agent] = await db.sql`select * from create_agent(${alice.id}, 'pong', ${"<b>Bold</b>"}, '')`;
  const [sub] = await db.sql`select * from create_builtin_submission(${agent.id}, 'pong-tracker')`;
  const text = await mine.waitFor(`id="submission-${sub.id}"`);
  await mine.waitFor('id="leaderboard-pong" hx-swap-oob="true"');
  assert.match(mine.text, "&lt;b&gt;Bold&lt;/b&gt;");
  assert.not.match(mine.text, "<b>Bold</b>");
  assert.match(text, /\nid: [0-9a-f]{8}-\d+\n/);
  await new Promise((r) => setTimeout(r, 200));
  assert.not.match(theirs.text, "submission-");
  await mine.close();
  await theirs.close();
});

test("a client that reconnects with Last-Event-ID gets a fresh render of what it missed", async () => {
  const before = hub.lastId();
  await db.sql`select emit_event('leaderboard.changed', ${db.sql.json({ environment: "pong" })})`;
  await new Promise((r) => setTimeout(r, 300));
  const again = await stream("topics=leaderboard:pong", { "Last-Event-ID": before });
  await again.waitFor('id="leaderboard-pong" hx-swap-oob="true"');
  await again.close();
  const current = await stream(`topics=leaderboard:pong&since=${hub.lastId()}`);
  await current.waitFor(": connected");
  await new Promise((r) => setTimeout(r, 200));
  assert.not.match(current.text, "leaderboard-pong");
  await current.close();
});

test("an id from another process (or too old) gets a fresh render of every public topic", async () => {
  const s = await stream("topics=leaders,feed&since=00000000-5");
  await s.waitFor('id="env-cards" hx-swap-oob="true"');
  await s.waitFor('id="match-feed" hx-swap-oob="true"');
  await s.close();
});

test("a burst of events renders each topic once per batch", async () => {
  const s = await stream("topics=leaderboard:pong");
  await s.waitFor(": connected");
  const batches = hub.stats.batches;
  const events = hub.stats.events;
  // Distinct payloads: PostgreSQL folds identical notifications of one transaction into one.
  await db.sql`select emit_event('leaderboard.changed', jsonb_build_object('environment', 'pong', 'n', i)) from generate_series(1, 30) i`;
  await s.waitFor('id="leaderboard-pong"');
  await hub.idle();
  await new Promise((r) => setTimeout(r, 200));
  await hub.idle();
  assert.is(hub.stats.events - events, 30);
  assert.ok(hub.stats.batches - batches < 30, `batches ${hub.stats.batches - batches}`);
  await s.close();
});

test("a client that stops reading is cut off once MAX_UNSENT_FRAMES frames wait for it, instead of queueing them without bound", async () => {
  const before = hub.subscriberCount();
  const ac = new AbortController();
  const res = await app.request(`${ORIGIN}/events?topics=leaderboard:pong`, { signal: ac.signal });
  const reader = res.body!.getReader();
  await reader.read(); // ": connected", then this client reads no more
  assert.is(hub.subscriberCount(), before + 1);
  for (let i = 0; i < MAX_UNSENT_FRAMES + 10; i++) {
    hub.dispatch({ type: "leaderboard.changed", environment: "pong" });
    await hub.idle(); // one batch, so one frame, per event
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.is(hub.subscriberCount(), before, "the stalled stream was ended and unsubscribed");
  ac.abort();
  await reader.cancel().catch(() => {});
});

test.after(async () => {
  await hub.stop();
  await db.drop();
});
test.run();
