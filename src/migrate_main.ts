/**
 * `migrate`: brings the database to the current schema and exits (the Kubernetes migration
 * Job runs this). Exit 0 when done, 1 on a failure, 2 on a configuration error.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { locateDatabase } from "./db/connect.ts";
import { prepareDatabase } from "./db/prepare.ts";
import { createLogger } from "./log.ts";

let code = 0;
try {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL, json: config.NODE_ENV === "production" });
  const db = await locateDatabase(config, log);
  try {
    await prepareDatabase(db.url, log);
    log.info("database is up to date");
  } catch (error) {
    log.error("migration failed", { error: error as Error });
    code = 1;
  } finally {
    await db.embedded?.stop();
  }
} catch (error) {
  process.stderr.write(`rl-arena migrate: ${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  code = error instanceof ConfigError ? 2 : 1;
}
process.exit(code);
