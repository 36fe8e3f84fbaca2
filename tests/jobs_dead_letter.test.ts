/**
 * A match job that fails on every attempt (a platform fault, injected as an executor that
 * throws) is retried by pg-boss, lands in the dead-letter queue, and the dead-letter worker
 * fails the match: no rating changes, both agents free again, the failure visible to admins.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Executor } from "../src/executor/types.ts";
import { startWorkers } from "../src/jobs/workers.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { makeAgent, quietLog, startTestBoss, testDataDir, waitFor } from "./fixtures/engine.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

test("a match whose job fails every attempt is dead-lettered and then failed, freeing both agents", async () => {
  // Setup
  const db = await createTestDatabase();
  const { sql } = db;
  const boss = await startTestBoss(db.url);
  let attempts = 0;
  const broken: Executor = {
    kind: "local",
    async runMatch() {
      attempts++;
      throw new Error(`injected fault #${attempts}: the executor crashed`);
    },
    async build() {
      throw new Error("not used");
    },
    async close() {},
  };
  const workers = await startWorkers({
    sql, boss, log: quietLog, executor: broken,
    config: { dataDir: testDataDir(), MATCH_CONCURRENCY: 1, EXECUTOR: "local", SANDBOX: "auto" },
    matchmakingCheckMs: 60_000, pollingIntervalSeconds: 0.5,
  });
  try {
    const { id: owner } = await makeUser(sql, { name: "dead_letter_owner" });
    const a = await makeAgent(sql, owner, "dl-a");
    const b = await makeAgent(sql, owner, "dl-b");
    await sql`select create_builtin_submission(${a}, 'pong-tracker')`;
    await sql`select create_builtin_submission(${b}, 'pong-random')`;

    // Action: pair them (this enqueues the match.run job the workers will fail on)
    const [match] = await sql`select * from pair_agents('pong')`;
    assert.ok(match);

    // Assertions
    const ended = await waitFor("the dead-letter worker to fail the match", async () => {
      const [m] = await sql`select status, error from matches where id = ${match!.id} and status = 'failed'`;
      return m;
    }, 60_000);
    assert.match(ended.error, /its job failed on every attempt/);
    assert.is(attempts, 3, "the first attempt and pg-boss's two retries");
    const [{ n: busy }] = await sql`select count(*)::int as n from busy_agents where agent_id in (${a}, ${b})`;
    assert.is(busy, 0, "both agents are free for matchmaking again");
    const ratings = await sql`select rating, games from agents where id in (${a}, ${b})`;
    assert.equal(ratings.map((r) => [r.rating, r.games]), [[1500, 0], [1500, 0]]);
    const [{ n: dead }] = await sql`select count(*)::int as n from pgboss.job where name = 'dead-letter' and data ->> 'matchId' = ${match!.id}`;
    assert.is(dead, 1, "the job's payload sits in the dead-letter queue for the admin report");
  } finally {
    await workers.stop();
    await boss.stop({ graceful: true, timeout: 15_000 });
    await db.drop();
  }
});

test.run();
