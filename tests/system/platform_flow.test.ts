/**
 * The whole loop from outside, against the built platform started with the Dockerfile's command
 * and environment (NODE_ENV=production): sign up, create agents, upload a JavaScript and a
 * Python agent, builds and validation matches in the real bubblewrap sandbox, a ranked match,
 * ELO, JSON and HTML replays, log privacy and admin actions — all over HTTP.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { makeZip } from "../fixtures/archives.ts";
import { TRACKER_AGENT_JS } from "../fixtures/api_agent.ts";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { makeAdmin, registerUser, relaxRateLimits, type HttpUser } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

// A Python agent in the original platform's shape: it never moves, so the tracker beats it.
const STAY_AGENT_PY = `import sys
from rl_arena.core.agent import Agent as Base

class Agent(Base):
    def __init__(self, player_id):
        self.player_id = player_id
        print("stayer log line for player %d" % player_id, file=sys.stderr, flush=True)

    def act(self, observation):
        return 1
`;

let platform: BuiltPlatform;
let alice: HttpUser;
let bob: HttpUser;
let carol: HttpUser;
const agents: Record<string, string> = {};
let matchId = "";

/** The response's JSON body with its HTTP status as `httpStatus`. */
async function json(res: Response | Promise<Response>): Promise<any> {
  const r = await res;
  const text = await r.text();
  try { return { ...JSON.parse(text), httpStatus: r.status }; } catch { return { httpStatus: r.status, text }; }
}

async function createAgent(user: HttpUser, name: string): Promise<string> {
  const body = await json(user.api("/agents", { method: "POST", json: { name, environmentId: "pong" } }));
  assert.is(body.httpStatus, 201, JSON.stringify(body));
  return body.agent?.id ?? body.id;
}

async function upload(user: HttpUser, agentId: string, fileName: string, bytes: Uint8Array): Promise<string> {
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), fileName);
  const body = await json(user.api("/submissions", { method: "POST", body: form }));
  assert.is(body.httpStatus, 201, JSON.stringify(body));
  return body.submission.id;
}

async function waitForBuild(user: HttpUser, submissionId: string): Promise<any> {
  let last: any;
  await waitFor(async () => {
    last = (await json(user.api(`/submissions/${submissionId}`))).submission;
    return last && !["pending", "building"].includes(last.status);
  }, 90_000, () => `the build of ${submissionId} (last: ${JSON.stringify(last)})\n${platform.output().slice(-2000)}`);
  return last;
}

test.before(async () => {
  platform = await startBuiltPlatform({
    // What the Dockerfile sets (ENV NODE_ENV=production), plus the secret production requires.
    env: { NODE_ENV: "production", JWT_SECRET: "s".repeat(48), SANDBOX: "bwrap" },
  });
  await relaxRateLimits(platform.sql!);
  [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((n) => registerUser(platform.url, n)));
});

test.after(async () => {
  await platform?.stop();
});

test("a JavaScript and a Python upload build in the sandbox and become active", async () => {
  agents.alice = await createAgent(alice, "tracker-js");
  agents.bob = await createAgent(bob, "stayer-py");
  const js = makeZip([{ name: "tracker/main.js", data: TRACKER_AGENT_JS }]);
  const py = makeZip([{ name: "main.py", data: STAY_AGENT_PY }]);
  const [jsBuild, pyBuild] = await Promise.all([
    upload(alice, agents.alice, "tracker.zip", js).then((id) => waitForBuild(alice, id)),
    upload(bob, agents.bob, "stayer.zip", py).then((id) => waitForBuild(bob, id)),
  ]);
  assert.is(jsBuild.status, "active", JSON.stringify(jsBuild));
  assert.is(jsBuild.language, "node");
  assert.is(pyBuild.status, "active", JSON.stringify(pyBuild));
  assert.is(pyBuild.language, "python");
  const logs = await json(bob.api(`/submissions/${pyBuild.id}/build-logs`));
  assert.is(logs.httpStatus, 200);
  assert.match(logs.buildLog, /stayer log line/);
});

test("the two agents play a seat-swapped pair (pong's default) that the tracker wins, and ELO moves once, by the rules", async () => {
  let pair: any[] = [];
  await waitFor(async () => {
    const list = await json(fetch(`${platform.url}/api/v1/matches/agent/${agents.alice}`));
    const ended = (list.matches ?? []).filter((m: any) => m.status === "completed" || m.status === "failed");
    pair = ended.sort((x: any, y: any) => String(x.createdAt).localeCompare(String(y.createdAt))).slice(0, 2);
    return pair.length === 2 || pair.some((m) => m.status === "failed");
  }, 180_000, () => `a finished pair of ${agents.alice}\n${platform.output().slice(-2000)}`);
  const [first, second] = pair;
  for (const m of pair) {
    assert.is(m.status, "completed", JSON.stringify(m));
    assert.is(m.endReason, "completed");
    assert.is(m.winnerId, agents.alice, JSON.stringify(m));
  }
  matchId = first.id;
  const seatOf = (m: any) => (m.agent1Id === agents.alice ? 1 : 2);
  assert.is.not(seatOf(first), seatOf(second), "the second game swaps the seats");
  // The first game of a pair counts its W/L/D and changes no rating; the second makes the pair's
  // one update: both start at 1500 with K = 40, so a 2–0 pair is 2K·(1 − ½) = +40 / −40.
  assert.equal([first.agent1EloChange, first.agent2EloChange], [0, 0], JSON.stringify(first));
  assert.is(second[`agent${seatOf(second)}EloChange`], 40, JSON.stringify(second));
  assert.is(second[`agent${3 - seatOf(second)}EloChange`], -40);
  const a = await json(fetch(`${platform.url}/api/v1/agents/${agents.alice}`));
  const b = await json(fetch(`${platform.url}/api/v1/agents/${agents.bob}`));
  const ratingOf = (body: any) => (body.agent ?? body).elo;
  assert.ok(ratingOf(a) >= 1540, `alice's agent ${JSON.stringify(a)}`);
  assert.ok(ratingOf(b) <= 1460, `bob's agent ${JSON.stringify(b)}`);
});

test("the replay downloads as JSON and as a self-contained HTML player", async () => {
  const j = await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=json`);
  assert.is(j.status, 200);
  const replay = await j.json() as any;
  assert.is(replay.environment.id, "pong");
  assert.ok(replay.steps.length > 10);
  const h = await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=html`);
  const html = await h.text();
  assert.is(h.status, 200, html.slice(0, 500));
  assert.match(h.headers.get("content-type") ?? "", /text\/html/);
  assert.match(html, /RlArenaPlayer/);
  assert.not.match(html, /<script[^>]+src=["']?https?:/i, "no script is loaded from the network");
});

test("match logs: each owner reads only their own agent's stderr; others are refused", async () => {
  const mine = await json(alice.api(`/matches/${matchId}/logs`));
  assert.is(mine.httpStatus, 200);
  assert.is(mine.logs.length, 1);
  assert.is(mine.logs[0].agentId, agents.alice);
  assert.match(mine.logs[0].log, /tracker ready/);
  assert.not.match(JSON.stringify(mine), /stayer log line/);
  const theirs = await json(bob.api(`/matches/${matchId}/logs`));
  assert.match(theirs.logs[0].log, /stayer log line/);
  assert.is((await carol.api(`/matches/${matchId}/logs`)).status, 403);
  assert.is((await fetch(`${platform.url}/api/v1/matches/${matchId}/logs`)).status, 401);
});

test("admin actions: a non-admin is refused; an admin disables an agent and it leaves the leaderboard", async () => {
  const refused = await carol.page(`/admin/agents/${agents.bob}/disable`, { method: "POST" });
  assert.is(refused.status, 403);
  await makeAdmin(platform.sql!, carol.username);
  // The role is read from the database on each request (cached for at most a few seconds).
  let status = 0;
  await waitFor(async () => {
    status = (await carol.page(`/admin/agents/${agents.bob}/disable`, { method: "POST" })).status;
    return status < 400;
  }, 10_000, () => `the new admin's disable to succeed (last status ${status})`);
  const agent = await json(fetch(`${platform.url}/api/v1/agents/${agents.bob}`));
  assert.is((agent.agent ?? agent).disabled, true);
  const board = await json(fetch(`${platform.url}/api/v1/leaderboard/environment/pong`));
  const ids = JSON.stringify(board);
  assert.ok(ids.includes(agents.alice), "the active agent is ranked");
  assert.not.ok(ids.includes(agents.bob), "the disabled agent is not ranked");
});

test("the server shut down cleanly on SIGTERM", async () => {
  const { code } = await platform.stop();
  assert.is(code, 0, platform.output().slice(-2000));
  assert.not.match(platform.output(), /unhandled error|uncaught/i);
});

test.run();
