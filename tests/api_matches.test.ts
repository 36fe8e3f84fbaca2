import { test } from "uvu";
import * as assert from "uvu/assert";
import { gunzipSync } from "node:zlib";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";
import { playFinishedMatch } from "./helpers/api_matches.ts";

let h: ApiHarness;
let alice: { token: string; user: { id: string } };
let bob: { token: string; user: { id: string } };
let carol: { token: string; user: { id: string } };
let a: string;
let b: string;
let matchId: string;

test.before(async () => {
  h = await createApiHarness();
  // One rated match, not a seat-swapped pair (on by default for pong since migration 0017): these tests read that one match.
  await h.db.sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`;
  alice = await h.register("alice");
  bob = await h.register("bob");
  carol = await h.register("carol");
  const make = async (token: string, name: string) =>
    (await (await h.call("POST", "/agents", { token, body: { name, environmentId: "pong" } })).json()).agent.id as string;
  a = await make(alice.token, "Lefty");
  b = await make(bob.token, "Righty");
  // Both get an active version the way the demo seeding does it, then play one match.
  await h.db.sql`select create_builtin_submission(${a}, 'pong-tracker')`;
  await h.db.sql`select create_builtin_submission(${b}, 'pong-tracker')`;
  matchId = (await playFinishedMatch(h.db.sql)).matchId;
});
test.after(async () => {
  await h.close();
});

test("GET /matches lists the finished match with the original camelCase fields", async () => {
  const res = await h.call("GET", "/matches");
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(body.total, 1);
  assert.is(body.page, 1);
  const m = body.matches[0];
  assert.is(m.id, matchId);
  assert.is(m.status, "completed");
  assert.equal(new Set([m.agent1Id, m.agent2Id]), new Set([a, b]));
  assert.type(m.agent1EloChange, "number");
  assert.is(m.agent1EloChange, -m.agent2EloChange, "equal ratings and K: the changes mirror each other");
  assert.is(m.replayUrl, `/api/v1/matches/${matchId}/replay?format=json`);
  assert.is(m.replayHtmlUrl, `/api/v1/matches/${matchId}/replay?format=html`);
  assert.ok(m.completedAt);
  const filtered = await (await h.call("GET", "/matches?status=pending")).json();
  assert.is(filtered.total, 0);
  assert.is((await h.call("GET", "/matches?status=finished")).status, 400);
});

test("GET /matches/:id and /matches/agent/:agentId find the match; unknown ids answer 404", async () => {
  const one = await h.call("GET", `/matches/${matchId}`);
  assert.is(one.status, 200);
  assert.is((await one.json()).match.id, matchId);
  const byAgent = await (await h.call("GET", `/matches/agent/${a}`)).json();
  assert.equal(byAgent.matches.map((m: { id: string }) => m.id), [matchId]);
  assert.is((await h.call("GET", "/matches/00000000-0000-4000-8000-000000000000")).status, 404);
  assert.is((await h.call("GET", "/matches/agent/00000000-0000-4000-8000-000000000000")).status, 404);
});

test("the JSON replay is sent gzip-encoded straight from storage when the client accepts gzip", async () => {
  const res = await h.call("GET", `/matches/${matchId}/replay?format=json`, { headers: { "accept-encoding": "gzip, br" } });
  assert.is(res.status, 200);
  assert.is(res.headers.get("content-encoding"), "gzip");
  assert.is(res.headers.get("content-type"), "application/json");
  assert.is(res.headers.get("vary"), "Accept-Encoding");
  const raw = Buffer.from(await res.arrayBuffer());
  const [stored] = await h.db.sql`select data from replays where match_id = ${matchId}`;
  assert.ok(raw.equals(Buffer.from(stored.data)), "the stored bytes, not a re-compression");
  const replay = JSON.parse(gunzipSync(raw).toString());
  assert.is(replay.environment.id, "pong");
  assert.ok(replay.steps.length > 10);
});

test("without Accept-Encoding: gzip the JSON replay is decompressed", async () => {
  const res = await h.call("GET", `/matches/${matchId}/replay`, { headers: { "accept-encoding": "identity" } });
  assert.is(res.status, 200);
  assert.is(res.headers.get("content-encoding"), null);
  const replay = await res.json();
  assert.is(replay.environment.id, "pong");
});

test("the HTML replay downloads as one self-contained file", async () => {
  const res = await h.call("GET", `/matches/${matchId}/replay?format=html`);
  assert.is(res.status, 200, await res.clone().text());
  assert.match(res.headers.get("content-type")!, /^text\/html/);
  assert.is(res.headers.get("content-disposition"), `attachment; filename="replay_${matchId}.html"`);
  const page = await res.text();
  assert.match(page, /^<!doctype html>/i);
  assert.match(page, /<script type="application\/json" id="replay-data">\{/);
  assert.match(page, /mountReplayPlayer/);
  assert.not.match(page, /<script[^>]+src=/i, "no external script");
});

test("replay errors: bad format 400, unknown match 404, a match without a replay 404", async () => {
  const bad = await h.call("GET", `/matches/${matchId}/replay?format=xml`);
  assert.is(bad.status, 400);
  assert.match((await bad.json()).message, /format must be json, compact or html/);
  assert.is((await h.call("GET", "/matches/00000000-0000-4000-8000-000000000000/replay")).status, 404);
  await h.db.sql`update agent_match_stats set last_match_ended_at = now() - interval '1 day'`;
  const [pending] = await h.db.sql`select id from pair_agents('pong')`;
  const res = await h.call("GET", `/matches/${pending.id}/replay`);
  assert.is(res.status, 404);
  assert.match((await res.json()).message, /has no replay \(status pending\)/);
  await h.db.sql`select fail_match(${pending.id}, 'test: not played')`;
});

test("GET /matches/:id/logs shows each owner only their own agent's log; others get 403, anonymous 401", async () => {
  const mine = await h.call("GET", `/matches/${matchId}/logs`, { token: alice.token });
  assert.is(mine.status, 200);
  const body = await mine.json();
  assert.is(body.logs.length, 1);
  assert.is(body.logs[0].agentId, a);
  assert.match(body.logs[0].log, /^seat [01] says hello/);
  const bobs = await (await h.call("GET", `/matches/${matchId}/logs`, { token: bob.token })).json();
  assert.equal(bobs.logs.map((l: { agentId: string }) => l.agentId), [b]);
  const stranger = await h.call("GET", `/matches/${matchId}/logs`, { token: carol.token });
  assert.is(stranger.status, 403);
  assert.match((await stranger.json()).message, /no agent in match/);
  assert.is((await h.call("GET", `/matches/${matchId}/logs`)).status, 401);
  assert.is((await h.call("GET", "/matches/00000000-0000-4000-8000-000000000000/logs", { token: alice.token })).status, 404);
});

test("replay downloads are limited to 20 per minute per IP (429 with Retry-After on the 21st)", async () => {
  const ip = "203.0.113.50";
  const codes: number[] = [];
  let last: Response | null = null;
  for (let i = 0; i < 21; i++) {
    last = await h.call("GET", `/matches/${matchId}/replay`, { ip });
    codes.push(last.status);
  }
  assert.equal(codes.filter((c) => c === 200).length, 20);
  assert.is(codes[20], 429);
  assert.is(last!.headers.get("x-ratelimit-limit"), "20");
  assert.ok(Number(last!.headers.get("retry-after")) >= 1);
  assert.is((await h.call("GET", `/matches/${matchId}/replay`, { ip: "203.0.113.51" })).status, 200);
});

test("the leaderboards rank both agents with competition ranks and page with total", async () => {
  const res = await h.call("GET", "/leaderboard/environment/pong?pageSize=1");
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(body.environmentId, "pong");
  assert.is(body.total, 2);
  assert.is(body.leaderboard.length, 1);
  const top = body.leaderboard[0];
  assert.is(top.rank, 1);
  assert.is(top.totalMatches, 1);
  assert.is(top.elo, top.score);
  const second = (await (await h.call("GET", "/leaderboard/environment/pong?page=2&pageSize=1")).json()).leaderboard[0];
  assert.ok(second.elo <= top.elo);
  assert.is(second.rank, second.elo === top.elo ? 1 : 2);
  const all = await (await h.call("GET", "/leaderboard")).json();
  assert.is(all.total, 2);
  const unknown = await h.call("GET", "/leaderboard/environment/chess");
  assert.is(unknown.status, 404);
  assert.match((await unknown.json()).message, /environment "chess" does not exist \(known: .*pong/);
});

test("agent stats and the profile reflect the played match", async () => {
  const stats = await (await h.call("GET", `/agents/${a}/stats`)).json();
  assert.is(stats.total, 1);
  assert.is(stats.stats[0].opponentId, b);
  assert.is(stats.stats[0].totalMatches, 1);
  assert.is(stats.summary.matchmakingStatus === "cooling_down" || stats.summary.matchmakingStatus === "waiting", true);
  const me = await (await h.call("GET", "/users/me", { token: alice.token })).json();
  assert.is(me.stats.totalMatches, 1);
  assert.is(me.stats.agents, 1);
});

test.run();
