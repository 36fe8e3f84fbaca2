import { PgBoss } from "pg-boss";
import type { Logger } from "../log.ts";
import { ensureQueues } from "./queues.ts";

/**
 * Starts pg-boss on our database (its own `pgboss` schema, created on first start) and makes
 * sure every queue exists. `supervise: false` lets a process send jobs without running
 * pg-boss's maintenance (only workers need it).
 */
export async function startBoss(
  url: string,
  log: Logger,
  options: { supervise?: boolean; max?: number; /** Seconds between pg-boss's supervision passes (expired jobs, missed heartbeats); default 60, tests use 1. */ superviseIntervalSeconds?: number } = {},
): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    max: options.max ?? 6,
    application_name: "rl-arena-boss",
    supervise: options.supervise ?? true,
    schedule: options.supervise ?? true,
    ...(options.superviseIntervalSeconds ? { superviseIntervalSeconds: options.superviseIntervalSeconds, monitorIntervalSeconds: options.superviseIntervalSeconds } : {}),
  });
  boss.on("error", (error: unknown) => {
    // 57P01/57P02/57P03: the server is shutting down (Ctrl-C reaches PostgreSQL too); not news.
    const code = (error as { code?: string }).code;
    if (code === "57P01" || code === "57P02" || code === "57P03") log.debug("pg-boss connection closed by the server", { code });
    else log.error("pg-boss error", { error });
  });
  await boss.start();
  await ensureQueues(boss);
  return boss;
}
