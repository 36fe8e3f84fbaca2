/**
 * Challenges (issue 13) against the built platform: two built agents, no ranked pairing (a
 * one-day matchmaking interval and placement off), a challenge over HTTP runs through the
 * worker like any match, with its replay, and leaves both agents' ranked numbers untouched.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { BuiltPlatform } from "../helpers/built_platform.ts";
import type { HttpUser } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";
import { buildTracker, startQuietPlatform } from "../helpers/quiet_platform.ts";

let platform: BuiltPlatform;
let alice: HttpUser;
let bob: HttpUser;

test.before(async () => {
  ({ platform, users: [alice, bob] } = await startQuietPlatform(["alice", "bob"], { placement_on_activation: "0" }));
});

test.after(async () => {
  await platform?.stop();
});

/** The first test's agent and its first version (v1), which the second test plays. */
let challenger: { agentId: string; submissionId: string };

async function finished(matchId: string): Promise<any> {
  let done: any;
  await waitFor(async () => {
    done = ((await (await fetch(`${platform.url}/api/v1/matches/${matchId}`)).json()) as any).match;
    return done.status === "completed" || done.status === "failed";
  }, 60_000, () => `challenge ${matchId} finished\n${platform.output().slice(-2000)}`);
  return done;
}

test("a challenge runs like any match, with a replay, and changes no rating or counter", async () => {
  const [first, { agentId: theirs }] = await Promise.all([buildTracker(platform, alice, { name: "challenger" }), buildTracker(platform, bob, { name: "defender" })]);
  const mine = first.agentId;
  challenger = first;
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
  const { agentId: mine, submissionId: v1 } = challenger;
  await buildTracker(platform, alice, { agentId: mine }); // v2 becomes active
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
