/**
 * Placement (issue 13) against the built platform with the matchmaking interval set to a day:
 * no tick can pair anyone after boot, yet a newly built agent gets its first match within
 * seconds of becoming active; until then the agent page says it waits for an opponent and why.
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
  [alice, bob] = await Promise.all(["alice", "bob"].map((n) => registerUser(platform.url, n)));
});

test.after(async () => {
  await platform?.stop();
});

/** Creates a pong agent, uploads the tracker and waits until the build ended; returns the agent id and when it ended. */
async function builtAgent(user: HttpUser, name: string): Promise<{ agentId: string; activeAt: number }> {
  const created = await (await user.api("/agents", { method: "POST", json: { name, environmentId: "pong" } })).json() as any;
  const agentId = created.agent?.id ?? created.id;
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
  return { agentId, activeAt: Date.now() };
}

const matchesOf = async (agentId: string) => ((await (await fetch(`${platform.url}/api/v1/matches/agent/${agentId}`)).json()) as any).matches as any[];

test("an agent alone waits, and its page says so with the reason", async () => {
  const { agentId } = await builtAgent(alice, "first");
  assert.equal(await matchesOf(agentId), []);
  const page = await (await fetch(`${platform.url}/agents/${agentId}`)).text();
  assert.match(page, /Waiting for an opponent: no other agent of this environment is free to play now/);
});

test("the second agent's first match starts within seconds of its activation, with no matchmaking tick", async () => {
  const { agentId, activeAt } = await builtAgent(bob, "second");
  let matches: any[] = [];
  await waitFor(async () => (matches = await matchesOf(agentId)).length > 0, 10_000,
    () => `a placement match for ${agentId}\n${platform.output().slice(-2000)}`);
  assert.ok(Date.now() - activeAt < 10_000);
  assert.match(platform.output(), /placement match created/);
  assert.not.match(platform.output(), /matchmaking paired agents/, "no tick paired them");
});

test.run();
