import type { Sql } from "postgres";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { AuthState, SessionUser } from "./http/session_store.ts";
import type { LiveHub } from "./live/hub.ts";

/** What the web layer needs from the process; tests build the same object. */
export interface WebDeps {
  sql: Sql;
  log: Logger;
  config: Config;
  /** The process's live SSE hub (src/web/live/hub.ts); createApp makes an idle one when absent. */
  hub?: LiveHub;
  /** Whether matches run sandboxed, for the admin page's warning (from the executor). */
  sandboxStatus?: () => { enabled: boolean; detail: string };
}

/** Hono context variables set by our middleware. */
export type WebEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    /** Set by `loadUser`: the signed-in user, or null when anonymous. */
    user: SessionUser | null;
    /** Set by `loadUser`: how the request authenticated and whether its token was bad. */
    auth: AuthState;
  };
};
