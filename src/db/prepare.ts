import { listEnvironments } from "rl-arena-env";
import type { Logger } from "../log.ts";
import { startBoss } from "../jobs/boss.ts";
import { createSql } from "./client.ts";
import { migrate } from "./migrate.ts";

/**
 * Brings a database to the current schema: our migrations and concept files, pg-boss's own
 * schema and queues and the games' descriptions from rl-arena-env. Safe to run from several processes at once.
 * (The operator's rule overrides are not written here: they hold for the process given them, see createSql.)
 */
export async function prepareDatabase(url: string, log: Logger): Promise<void> {
  const sql = createSql(url, { max: 2, applicationName: "rl-arena-migrate" });
  try {
    const done = await migrate(sql);
    if (done.migrations.length || done.concepts.length) log.info("database migrated", { ...done });
    const boss = await startBoss(url, log, { supervise: false, max: 2 });
    await boss.stop({ graceful: false });
    // The games' descriptions (rules, spaces, defaults) come from rl-arena-env, the one source.
    for (const e of listEnvironments()) {
      await sql`select upsert_environment(${e.id}, ${e.version}, ${e.name}, ${sql.json(JSON.parse(JSON.stringify(e)))})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
