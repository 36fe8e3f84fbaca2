import type { PgBoss } from "pg-boss";

/**
 * Every pg-boss queue of the platform and its retry policy. The SQL function pair_agents
 * enqueues match.run jobs itself, so these names are also used from sql/.
 */
export const QUEUES = {
  build: "submission.build",
  runMatch: "match.run",
  matchmaking: "matchmaking.tick",
  housekeeping: "housekeeping",
  dead: "dead-letter",
} as const;

/** Creates every queue (idempotent). Failed jobs end in the dead-letter queue after their retries. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(QUEUES.dead, { retentionSeconds: 30 * 86_400, deleteAfterSeconds: 30 * 86_400 });
  await boss.createQueue(QUEUES.build, {
    retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 600, heartbeatSeconds: 30, deadLetter: QUEUES.dead,
  });
  await boss.createQueue(QUEUES.runMatch, {
    retryLimit: 2, retryDelay: 2, retryBackoff: true, expireInSeconds: 900, heartbeatSeconds: 30, deadLetter: QUEUES.dead,
  });
  await boss.createQueue(QUEUES.matchmaking, { policy: "singleton", retryLimit: 0, expireInSeconds: 120 });
  await boss.createQueue(QUEUES.housekeeping, { policy: "singleton", retryLimit: 0, expireInSeconds: 300 });
}
