import type { Sql } from "postgres";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";

/** What the web layer needs from the process; tests build the same object. */
export interface WebDeps {
  sql: Sql;
  log: Logger;
  config: Config;
}

/** Hono context variables set by our middleware. */
export type WebEnv = {
  Variables: {
    requestId: string;
    log: Logger;
  };
};
