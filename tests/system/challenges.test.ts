/**
 * Challenges (issue 13) against the built platform: two built agents, no ranked pairing (a
 * one-day matchmaking interval and placement off), a challenge over HTTP runs through the
 * worker like any match, with its replay, and leaves both agents' ranked numbers untouched.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { trackerZip } from "../fixtures/api_agent.ts";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, relaxRateLimits, type HttpUser } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

let platform: BuiltPlatform;
let alice: HttpUser;
let bob: HttpUser;

test.before(async () => {
  platform = await startBuiltPlatform({ env: { MATCHMAKING_INTERVAL_S: "86400", SANDBOX: "bwrap" } });
  await relaxRateLimits(platform.sql!);
  await platform.sql!`select set_setting('placement_on_activation', '0')`;
  [alice, bob] = await Promise.all(["alice", "bob"].map((n) => registerUser(platform.url, n)));
});

test.after(async () => {
  await platform?.stop();
});

const firstVersion: Record<string, string> = {};
let challenger = "";

async function builtAgent(user: HttpUser, name: string, existing?: string): Promise<string> {
  const created = existing ? null : await (await user.api("/agents", { method: "POST", json: { name, environmentId: "pong" } })).json() as any;
  const agentId = existing ?? (created.agent?.id ?? created.id);
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new Blob([trackerZip() as Uint8Array<ArrayBuffer>]), "tracker.zip");
  const up = await (await user.api("/submissions", { method: "POST", body: form })).json() as any;
  let status = "";
  await waitFor(async () => {
    status = ((await (await user.api(`/submissions/${up.submission.id}`)).json()) as any).submission.status;
    return status !== "pending" && status !== "building";
  }, 90_000, () => `the build of ${name}\n${platform.output().slice(-2000)}`);
  assert.is(status, "active");
  firstVersion[agentId] ??= up.submission.id;
  return agentId;
}

async function finished(matchId: string): Promise<any> {
  let done: any;
  await waitFor(async () => {
    done = ((await (await fetch(`${platform.url}/api/v1/matches/${matchId}`)).json()) as any).match;
    return done.status === "completed" || done.status === "failed";
  }, 60_000, () => `challenge ${matchId} finished\n${platform.output().slice(-2000)}`);
  return done;
}

test("a challenge runs like any match, with a replay, and changes no rating or counter", async () => {
  const [mine, theirs] = await Promise.all([builtAgent(alice, "challenger"), builtAgent(bob, "defender")]);
  challenger = mine;
  const res = await alice.api("/challenges", { method: "POST", json: { agentId: mine, opponentId: theirs } });
  assert.is(res.status, 201, await res.clone().text());
  const { match } = await res.json() as any;
  const done = await finished(match.id);
  assert.is(done.status, "completed", JSON.stringify(done));
  assert.equal([done.agent1EloChange, done.agent2EloChange], [0, 0]);
  assert.ok(done.replayUrl, "it has a replay");
  assert.is((await fetch(`${platform.url}${done.replayUrl}`)).status, 200);
  for (const id of [mine, theirs]) {
    const a = ((await (await fetch(`${platform.url}/api/v1/agents/${id}`)).json()) as any).agent;
    assert.equal([a.elo, a.totalMatches, a.wins, a.losses, a.draws], [1500, 0, 0, 0, 0], JSON.stringify(a));
  }
});

test("an agent's new version plays its old one (the same agent in both seats) through the sandbox", async () => {
  const mine = challenger;
  const v1 = firstVersion[mine]!;
  await builtAgent(alice, "challenger", mine); // v2 becomes active
  const res = await alice.api("/challenges", { method: "POST", json: { agentId: mine, opponentSubmissionId: v1 } });
  assert.is(res.status, 201, await res.clone().text());
  const { match } = await res.json() as any;
  const done = await finished(match.id);
  assert.is(done.status, "completed", JSON.stringify(done));
  assert.equal([done.agent1Id, done.agent2Id], [mine, mine]);
  assert.equal([done.agent1Version, done.agent2Version].sort(), [1, 2]);
  assert.equal([done.agent1EloChange, done.agent2EloChange], [0, 0]);
});

test.run();
