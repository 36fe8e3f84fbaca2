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

/** Knobs tests turn down so that a killed worker's job is retried within seconds. */
export interface QueueTuning {
  /** Seconds without a heartbeat after which an active match or build job is retried (pg-boss minimum 10). */
  heartbeatSeconds?: number;
  /** First retry delay, seconds (doubled on each retry). */
  retryDelay?: number;
}

/**
 * Creates every queue (idempotent: an existing queue keeps its options). Match and build jobs
 * send heartbeats (pg-boss refreshes them while the handler runs), so a worker killed with
 * kill -9 loses its job after `heartbeatSeconds` and another worker retries it; the long
 * expiry only bounds a handler that hangs while its process lives. Failed jobs end in the
 * dead-letter queue after their retries, where a worker fails the match or build.
 */
export async function ensureQueues(boss: PgBoss, tuning: QueueTuning = {}): Promise<void> {
  const heartbeatSeconds = tuning.heartbeatSeconds ?? 30;
  await boss.createQueue(QUEUES.dead, { retentionSeconds: 30 * 86_400, deleteAfterSeconds: 30 * 86_400 });
  await boss.createQueue(QUEUES.build, {
    retryLimit: 2, retryDelay: tuning.retryDelay ?? 5, retryBackoff: true, expireInSeconds: 1800, heartbeatSeconds, deadLetter: QUEUES.dead,
  });
  await boss.createQueue(QUEUES.runMatch, {
    retryLimit: 2, retryDelay: tuning.retryDelay ?? 2, retryBackoff: true, expireInSeconds: 4 * 3600, heartbeatSeconds, deadLetter: QUEUES.dead,
  });
  await boss.createQueue(QUEUES.matchmaking, { policy: "singleton", retryLimit: 0, expireInSeconds: 120 });
  await boss.createQueue(QUEUES.housekeeping, { policy: "singleton", retryLimit: 0, expireInSeconds: 300 });
}
