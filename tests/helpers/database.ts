import { randomBytes } from "node:crypto";
import postgres, { type Sql } from "postgres";
import { createSql } from "../../src/db/client.ts";

/** A database of its own for one test file, cloned from the runner's migrated template. */
export interface TestDatabase {
  url: string;
  sql: Sql;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * Clones the migrated template that `npm test` (tests/run.ts) prepared. Database names carry
 * the runner's pid so that leftovers of a killed run are recognised and dropped.
 */
export async function createTestDatabase(options: { max?: number; empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.RLA_TEST_ADMIN_URL;
  const template = process.env.RLA_TEST_TEMPLATE;
  if (!adminUrl || !template) {
    throw new Error("database tests run through the runner: `npm test -- <file name part>` (it prepares the template database)");
  }
  const runnerPid = /(\d+)$/.exec(template)![1];
  const name = `rla_t_${runnerPid}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // An empty database (template0) is for tests of the migration runner itself.
        await admin.unsafe(`create database ${name} template ${options.empty ? "template0" : template}`);
        break;
      } catch (e) {
        // Two clones of one template at the same instant can collide on the template's lock.
        if (attempt >= 20 || (e as { code?: string }).code !== "55006") throw e;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const u = new URL(adminUrl);
  u.pathname = "/" + name;
  const url = u.toString();
  const sql = createSql(url, { max: options.max ?? 10, applicationName: "rl-arena-test" });
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await a.end({ timeout: 5 });
    },
  };
}
