/**
 * The build job checks the archive again (it may come from another route or an older version
 * of the platform): one that is not a valid agent archive fails the build with the intake's
 * reason, and the agent keeps no active version.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startWorkers } from "../src/jobs/workers.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { makeAgent, quietLog, startTestBoss, stopEngine, submissionStatus, testDataDir, upload, waitFor } from "./fixtures/engine.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

test("a build whose archive is not a valid agent archive fails with the reason in its log", async () => {
  // Setup
  const db = await createTestDatabase();
  const { sql } = db;
  const boss = await startTestBoss(db.url);
  const workers = await startWorkers({
    sql, boss, log: quietLog,
    config: { dataDir: testDataDir(), MATCH_CONCURRENCY: 1, EXECUTOR: "local", SANDBOX: "auto" },
    validationSteps: 20, matchmakingCheckMs: 60_000, pollingIntervalSeconds: 0.5,
  });
  try {
    const { id: owner } = await makeUser(sql, { name: "refused_owner" });
    const agent = await makeAgent(sql, owner, "refused-agent");

    // Action: bytes that claim to be a zip but are not one, stored without the upload route's check
    const id = await upload(sql, owner, agent, Buffer.from("PK\u0003\u0004 definitely not a zip archive"), "agent.zip", "node", "main.js");

    // Assertions
    const s = await waitFor("the build to end", async () => {
      const r = await submissionStatus(sql, id);
      return r.status === "active" || r.status === "failed" ? r : null;
    }, 60_000);
    assert.is(s.status, "failed");
    assert.match(s.build_log ?? "", /archive agent\.zip refused: /);
    assert.ok((s.error ?? "").length > 0, "the failure has a one-line reason");
    const [row] = await sql`select active_submission_id from agents where id = ${agent}`;
    assert.is(row!.active_submission_id, null);
  } finally {
    await stopEngine(workers, boss);
    await db.drop();
  }
});

test.run();
