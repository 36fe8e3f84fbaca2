/**
 * The whole path a script takes through the API, with the real workers running in this process:
 * pg-boss carries the build and match jobs, the local executor builds the upload (a validation
 * match in the sandbox) and plays the match. Only the matchmaking tick is called directly (the
 * job body runMatchmakingJob) instead of waiting for its 30-second timer.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { gunzipSync } from "node:zlib";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PgBoss } from "pg-boss";
import { startBoss } from "../src/jobs/boss.ts";
import { runBuildJob, type BuildJobData } from "../src/jobs/build_worker.ts";
import { runMatchJob, type MatchJobData } from "../src/jobs/match_worker.ts";
import { runMatchmakingJob } from "../src/jobs/matchmaking_worker.ts";
import { QUEUES } from "../src/jobs/queues.ts";
import { createLocalExecutor } from "../src/executor/local/executor.ts";
import { initSandbox } from "../src/executor/local/sandbox.ts";
import type { Executor } from "../src/executor/types.ts";
import { createLogger } from "../src/log.ts";
import { trackerZip } from "./fixtures/api_agent.ts";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";

let h: ApiHarness;
let boss: PgBoss;
let executor: Executor;
const log = createLogger({ level: "warn" });

test.before(async () => {
  h = await createApiHarness();
  // As the worker process does at boot: bubblewrap when it works here, else refuse uploaded code.
  const sandbox = await initSandbox("auto", log);
  console.log(`sandbox: ${sandbox.mode}${sandbox.warning ? ` (${sandbox.warning})` : ""}`);
  // The sandboxed agents run under their own uids: the data folder must be traversable (mkdtemp makes it 0700).
  const dataDir = mkdtempSync(join(tmpdir(), "rla-flow-"));
  chmodSync(dataDir, 0o755);
  executor = createLocalExecutor({ dataDir, sql: h.db.sql, log, concurrency: 1 });
  boss = await startBoss(h.db.url, log, { supervise: true, max: 4 });
  await boss.work<BuildJobData>(QUEUES.build, { pollingIntervalSeconds: 0.5 }, async ([job]) => runBuildJob({ sql: h.db.sql, executor, log, validationSteps: 60 }, job));
  await boss.work<MatchJobData>(QUEUES.runMatch, { pollingIntervalSeconds: 0.5 }, async ([job]) => runMatchJob({ sql: h.db.sql, executor, log }, job));
});
test.after(async () => {
  await boss?.stop({ graceful: false, timeout: 5000 });
  await executor?.close();
  await h.close();
});

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("register → log in → create agent → upload a zip → build turns active → a match is played → both replay formats download", async () => {
  // 1. Register and log in.
  assert.is((await h.call("POST", "/auth/register", { body: { username: "scripter", email: "scripter@example.org", password: "a-long-password" } })).status, 201);
  const login = await h.call("POST", "/auth/login", { body: { email: "scripter@example.org", password: "a-long-password" } });
  assert.is(login.status, 200);
  const { token } = await login.json();

  // 2. Create an agent and upload the tracker as a zip.
  const created = await h.call("POST", "/agents", { token, body: { name: "Tracker", environmentId: "pong" } });
  assert.is(created.status, 201);
  const agentId = (await created.json()).agent.id;
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new File([trackerZip() as Uint8Array<ArrayBuffer>], "tracker.zip", { type: "application/zip" }));
  const uploaded = await h.call("POST", "/submissions", { token, body: form });
  assert.is(uploaded.status, 201, await uploaded.clone().text());
  const submissionId = (await uploaded.json()).submission.id;

  // 3. Poll the build status until the worker has built and validated it.
  const built = await poll("the build", 90_000, async () => {
    const s = (await (await h.call("GET", `/submissions/${submissionId}`)).json()).submission;
    return s.status === "active" || s.status === "failed" ? s : null;
  });
  const logs = await (await h.call("GET", `/submissions/${submissionId}/build-logs`, { token })).json();
  assert.is(built.status, "active", `build failed: ${built.errorMessage}\n${logs.buildLog}`);
  assert.is(built.isActive, true);
  assert.ok(logs.buildLog.length > 0, "the build log is kept");

  // 4. An opponent: the house's built-in tracker, as the demo seeding provides.
  const house = await h.register("house");
  const opp = (await (await h.call("POST", "/agents", { token: house.token, body: { name: "House tracker", environmentId: "pong" } })).json()).agent.id;
  await h.db.sql`select create_builtin_submission(${opp}, 'pong-tracker')`;

  // 5. One matchmaking tick pairs them and enqueues the match; the match worker plays it.
  const paired = await runMatchmakingJob({ sql: h.db.sql, log }, { id: "flow-tick", data: { environment: "pong" } });
  assert.is(paired, 1);
  const match = await poll("the match", 120_000, async () => {
    const list = await (await h.call("GET", `/matches/agent/${agentId}`)).json();
    const m = list.matches[0];
    return m && (m.status === "completed" || m.status === "failed") ? m : null;
  });
  assert.is(match.status, "completed", `match failed: ${match.errorMessage}`);
  const listed = await (await h.call("GET", "/matches")).json();
  assert.ok(listed.matches.some((m: { id: string }) => m.id === match.id));

  // 6. Download both replay formats.
  const gz = await h.call("GET", `/matches/${match.id}/replay?format=json`, { headers: { "accept-encoding": "gzip" } });
  assert.is(gz.status, 200);
  assert.is(gz.headers.get("content-encoding"), "gzip");
  const replay = JSON.parse(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString());
  assert.is(replay.environment.id, "pong");
  assert.is(replay.result.total_steps, match.totalSteps);
  const page = await h.call("GET", `/matches/${match.id}/replay?format=html`);
  assert.is(page.status, 200);
  assert.match(await page.text(), /mountReplayPlayer/);

  // 7. The owner reads their own agent's stderr from the match.
  const own = await (await h.call("GET", `/matches/${match.id}/logs`, { token })).json();
  assert.is(own.logs.length, 1);
  assert.match(own.logs[0].log, /tracker ready as player [01]/);

  // 8. And the leaderboard shows both.
  const board = await (await h.call("GET", "/leaderboard/environment/pong")).json();
  assert.equal(new Set(board.leaderboard.map((r: { id: string }) => r.id)), new Set([agentId, opp]));
});

test.run();
