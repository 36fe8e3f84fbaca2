import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedCluster } from "./embedded.ts";

/** Where the database is, and how to stop the embedded cluster when we started one. */
export interface DatabaseLocation {
  url: string;
  embedded: EmbeddedCluster | null;
}

/** Uses DATABASE_URL when set, otherwise starts (or reuses) the embedded cluster in DATA_DIR/pg. */
export async function locateDatabase(config: Config, log: Logger): Promise<DatabaseLocation> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: null };
  const dataDir = join(config.dataDir, "pg");
  const started = Date.now();
  const embedded = await startEmbeddedPostgres(dataDir, config.EMBEDDED_PG_PORT);
  for (const note of embedded.notes) log.warn(`embedded PostgreSQL: ${note}`);
  const url = await ensureDatabase(embedded.adminUrl, "rl_arena");
  log.info("embedded PostgreSQL running", { port: embedded.port, dataDir: embedded.dataDir, passwordFile: embedded.passwordFile, ms: Date.now() - started });
  return { url, embedded };
}
