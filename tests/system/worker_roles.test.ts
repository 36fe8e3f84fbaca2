/**
 * The platform split into roles as an operator runs it: one ROLE=web and two ROLE=worker
 * processes of the built server on one external PostgreSQL, each with a private DATA_DIR made
 * like `mktemp -d` (mode 0700). Before the fix the agents' uids could not enter DATA_DIR, so
 * every match "completed" as a crash of both agents within milliseconds (ratings moved) and
 * uploads failed their validation match. Now each worker opens its DATA_DIR for the agents at
 * boot (o+x) and the demo agents and an uploaded JavaScript agent play by the rules.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statSync } from "node:fs";
import { makeZip } from "../fixtures/archives.ts";
import { TRACKER_AGENT_JS } from "../fixtures/api_agent.ts";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, relaxRateLimits } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

const secret = { JWT_SECRET: "r".repeat(48), SANDBOX: "bwrap" };
let web: BuiltPlatform;
const workers: BuiltPlatform[] = [];

test.before(async () => {
  web = await startBuiltPlatform({ env: { ...secret, ROLE: "web", DEMO: "true" } });
  await relaxRateLimits(web.sql!);
  for (let i = 0; i < 2; i++) {
    workers.push(await startBuiltPlatform({ env: { ...secret, ROLE: "worker", DEMO: "false" }, database: { url: web.databaseUrl! } }));
  }
  // A worker answers /ready on its ops port before its executor has booted.
  for (const w of workers) await w.waitForOutput(/workers started/, 60_000);
});

test.after(async () => {
  for (const w of workers) await w.stop();
  await web?.stop();
});

test("each worker opens its private DATA_DIR for the agents' uids (enter, not list) and says so", async () => {
  for (const w of workers) {
    assert.is(statSync(w.dataDir).mode & 0o777, 0o701, w.output().slice(-2000));
    assert.ok(w.output().includes(`made a folder passable for sandboxed agents`) && w.output().includes(w.dataDir), w.output().slice(-2000));
  }
});

test("an uploaded JavaScript agent builds, and it and the demo agents play matches that end by the rules", async () => {
  const user = await registerUser(web.url, "roles");
  const created = await (await user.api("/agents", { method: "POST", json: { name: "tracker", environmentId: "pong" } })).json() as any;
  const agentId: string = created.agent?.id ?? created.id;
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new Blob([makeZip([{ name: "main.js", data: TRACKER_AGENT_JS }]) as Uint8Array<ArrayBuffer>]), "tracker.zip");
  const uploaded = await (await user.api("/submissions", { method: "POST", body: form })).json() as any;
  let build: any;
  await waitFor(async () => {
    build = ((await (await user.api(`/submissions/${uploaded.submission.id}`)).json()) as any).submission;
    return build && !["pending", "building"].includes(build.status);
  }, 90_000, () => `the build (last: ${JSON.stringify(build)})\n${workers.map((w) => w.output().slice(-1500)).join("\n---\n")}`);
  assert.is(build.status, "active", JSON.stringify(build));

  const sql = web.sql!;
  await waitFor(async () => {
    const [n] = await sql<{ all: number; uploaded: number }[]>`
      select count(*)::int as all, count(*) filter (where ${agentId} in (player0_agent_id, player1_agent_id))::int as uploaded
      from matches where status in ('completed', 'failed')`;
    return n!.all >= 8 && n!.uploaded >= 1;
  }, 120_000, () => `8 finished matches, one of the uploaded agent\n${workers.map((w) => w.output().slice(-1500)).join("\n---\n")}`);

  const finished = await sql<{ status: string; end_reason: string | null; error: string | null; total_steps: number | null }[]>`
    select status, end_reason, error, total_steps from matches where status in ('completed', 'failed')`;
  for (const m of finished) {
    assert.is(m.status, "completed", JSON.stringify(m));
    assert.is(m.end_reason, "completed", JSON.stringify(m));
    assert.ok(m.total_steps! > 0, JSON.stringify(m));
  }
  const crashLogs = await sql`select 1 from match_logs where log like '%bwrap:%' limit 1`;
  assert.is(crashLogs.length, 0, "no agent log holds a bwrap failure");
});

test("the three processes shut down cleanly", async () => {
  for (const w of workers) assert.is((await w.stop()).code, 0, w.output().slice(-2000));
  assert.is((await web.stop()).code, 0, web.output().slice(-2000));
});

test.run();
