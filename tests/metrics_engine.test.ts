import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadConfig } from "../src/config.ts";
import { startWorkers } from "../src/jobs/workers.ts";
import { sandboxStatus } from "../src/executor/local/sandbox.ts";
import { subscribeEngineMetrics } from "../src/metrics_engine.ts";
import { createApp } from "../src/web/app.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { jsAgentZip, makeAgent, quietLog, startTestBoss, stopEngine, submissionStatus, testDataDir, upload, waitFor } from "./fixtures/engine.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

/** Sum of the samples `name{…labels…}` whose labels include all of `labels`. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of body.split("\n")) {
    if (!(line.startsWith(name + "{") || line.startsWith(name + " "))) continue;
    const inside = line.includes("{") ? line.slice(line.indexOf("{") + 1, line.lastIndexOf("}")) : "";
    if (Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

test("a real build and a real match move the build, match and per-step metrics by the right amounts", async () => {
  // Setup
  const db = await createTestDatabase();
  const { sql } = db;
  await sql`select set_setting('matchmaking_interval_s', '1')`;
  await sql`select set_setting('match_cooldown_s', '3600')`;
  await sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`; // one rated match, not a seat-swapped pair (pong's default since migration 0017): this test follows that one match
  subscribeEngineMetrics("local");
  const boss = await startTestBoss(db.url);
  const workers = await startWorkers({
    sql, boss, log: quietLog,
    config: { dataDir: testDataDir(), MATCH_CONCURRENCY: 2, EXECUTOR: "local", SANDBOX: "auto" },
    validationSteps: 30, matchmakingCheckMs: 200, pollingIntervalSeconds: 0.5,
  });
  const app = createApp({ sql, log: quietLog, config: loadConfig({ DATA_DIR: testDataDir() }) });
  const scrape = async () => (await app.request("/metrics")).text();
  try {
    const before = await scrape();
    const { id: owner } = await makeUser(sql, { name: "metrics_owner" });
    const uploaded = await makeAgent(sql, owner, "metrics-js");
    const opponent = await makeAgent(sql, owner, "metrics-builtin");
    await sql`select create_builtin_submission(${opponent}, 'pong-tracker')`;

    // Action: one upload (one build), then matchmaking pairs the two agents once (long cooldown)
    const sub = await upload(sql, owner, uploaded, jsAgentZip(), "agent.zip", "node", "main.mjs");
    const built = await waitFor("the build", async () => {
      const s = await submissionStatus(sql, sub);
      return s.status === "active" || s.status === "failed" ? s : null;
    }, 60_000);
    assert.is(built.status, "active", built.error ?? "");
    const match = await waitFor("the match", async () => {
      const [m] = await sql`select * from matches where status in ('completed', 'failed')`;
      return m;
    }, 60_000);
    assert.is(match.status, "completed", match.error);
    const after = await waitFor("the match counter", async () => {
      const body = await scrape();
      return sample(body, "rla_matches_finished_total", { environment: "pong" }) > sample(before, "rla_matches_finished_total", { environment: "pong" }) ? body : null;
    }, 10_000);

    // Assertions
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    assert.is(delta("rla_builds_total", { outcome: "active" }), 1);
    assert.is(delta("rla_build_duration_seconds_count", { outcome: "active" }), 1);
    assert.is(delta("rla_matches_started_total", { environment: "pong" }), 1);
    assert.is(delta("rla_matches_finished_total", { environment: "pong", status: "completed", end_reason: match.end_reason }), 1);
    assert.is(delta("rla_match_duration_seconds_count", { environment: "pong" }), 1);
    assert.is(sample(after, "rla_matches_running", { executor: "local" }), 0, "nothing running after the match");
    // Every step of both agents is one observation: the validation match's steps plus the real match's.
    const steps = delta("rla_agent_step_seconds_count", { environment: "pong" });
    assert.ok(steps >= 2 * match.total_steps, `${steps} step observations for a ${match.total_steps}-step match`);
    assert.ok(steps <= 2 * match.total_steps + 2 * 30, `${steps} is at most the match plus a 30-step validation`);
    assert.ok(delta("rla_agent_step_seconds_sum", { environment: "pong" }) > 0);
    // Where agents get memory cgroups, each seat of each match (validation and real) is one
    // peak-memory observation: 2 for the validation match + 2 for the real one.
    if (sandboxStatus().memoryCgroup !== null) {
      assert.is(delta("rla_agent_memory_peak_bytes_count", { environment: "pong" }), 4);
      const mean = delta("rla_agent_memory_peak_bytes_sum", { environment: "pong" }) / 4;
      assert.ok(mean > 1024 * 1024 && mean < 1024 * 1024 * 1024, `mean peak ${mean} bytes`);
      assert.is(delta("rla_agent_oom_kills_total", { environment: "pong" }), 0);
    }
    for (const line of after.split("\n")) {
      if (line.startsWith("#")) continue;
      assert.not.match(line, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, `no ids as label values: ${line}`);
    }
  } finally {
    await stopEngine(workers, boss);
    await db.drop();
  }
});

test.run();
