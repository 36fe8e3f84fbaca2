/**
 * Placement (issue 13) against the built platform with the matchmaking interval set to a day:
 * no tick can pair anyone after boot, yet a newly built agent gets its first match within
 * seconds of becoming active; until then the agent page says it waits for an opponent and why.
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
  ({ platform, users: [alice, bob] } = await startQuietPlatform(["alice", "bob"]));
});

test.after(async () => {
  await platform?.stop();
});

const matchesOf = async (agentId: string) => ((await (await fetch(`${platform.url}/api/v1/matches/agent/${agentId}`)).json()) as any).matches as any[];

test("an agent alone waits, and its page says so with the reason", async () => {
  const { agentId } = await buildTracker(platform, alice, { name: "first" });
  assert.equal(await matchesOf(agentId), []);
  const page = await (await fetch(`${platform.url}/agents/${agentId}`)).text();
  assert.match(page, /Waiting for an opponent: no other agent of this environment is free to play now/);
});

test("the second agent's first match starts within seconds of its activation, with no matchmaking tick", async () => {
  const { agentId } = await buildTracker(platform, bob, { name: "second" });
  const activeAt = Date.now();
  let matches: any[] = [];
  await waitFor(async () => (matches = await matchesOf(agentId)).length > 0, 10_000,
    () => `a placement match for ${agentId}\n${platform.output().slice(-2000)}`);
  assert.ok(Date.now() - activeAt < 10_000);
  assert.match(platform.output(), /placement match created/);
  assert.not.match(platform.output(), /matchmaking paired agents/, "no tick paired them");
});

test.run();
