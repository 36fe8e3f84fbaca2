/**
 * The setup the issue-13 system tests share: the built platform with no matchmaking tick after
 * boot (a one-day interval) and the bwrap sandbox, users registered over HTTP, and pong agents
 * built from the uploaded tracker, so the only matches are the ones a test causes.
 */
import * as assert from "uvu/assert";
import { trackerZip } from "../fixtures/api_agent.ts";
import { startBuiltPlatform, type BuiltPlatform } from "./built_platform.ts";
import { registerUser, relaxRateLimits, type HttpUser } from "./http_user.ts";
import { waitFor } from "./processes.ts";

/** Starts the quiet platform, applies `settings` (`set_setting(key, value)`) and registers `usernames`. */
export async function startQuietPlatform(usernames: string[], settings: Record<string, string> = {}): Promise<{ platform: BuiltPlatform; users: HttpUser[] }> {
  const platform = await startBuiltPlatform({ env: { MATCHMAKING_INTERVAL_S: "86400", SANDBOX: "bwrap" } });
  await relaxRateLimits(platform.sql!);
  for (const [key, value] of Object.entries(settings)) await platform.sql!`select set_setting(${key}, ${value}::jsonb)`;
  const users = await Promise.all(usernames.map((n) => registerUser(platform.url, n)));
  return { platform, users };
}

/**
 * Uploads the tracker as a new version of `agent` (an existing agent's id, or the name of a new
 * pong agent of `user`), waits until its build ended and asserts it became active.
 */
export async function buildTracker(platform: BuiltPlatform, user: HttpUser, agent: { agentId: string } | { name: string }): Promise<{ agentId: string; submissionId: string }> {
  let agentId: string;
  if ("agentId" in agent) agentId = agent.agentId;
  else {
    const created = await (await user.api("/agents", { method: "POST", json: { name: agent.name, environmentId: "pong" } })).json() as any;
    agentId = created.agent?.id ?? created.id;
  }
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new Blob([trackerZip() as Uint8Array<ArrayBuffer>]), "tracker.zip");
  const up = await (await user.api("/submissions", { method: "POST", body: form })).json() as any;
  let status = "";
  await waitFor(async () => {
    status = ((await (await user.api(`/submissions/${up.submission.id}`)).json()) as any).submission.status;
    return status !== "pending" && status !== "building";
  }, 90_000, () => `the build of ${"name" in agent ? agent.name : agentId}\n${platform.output().slice(-2000)}`);
  assert.is(status, "active");
  return { agentId, submissionId: up.submission.id };
}
