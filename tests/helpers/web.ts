import type { Sql } from "postgres";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createApp } from "../../src/web/app.ts";
import { signSession } from "../../src/web/http/authentication.ts";
import type { WebDeps } from "../../src/web/deps.ts";
import { liveRenderer } from "../../src/web/live/renderers.tsx";
import { LiveHub } from "../../src/web/live/sse.ts";
import { makeUser as makeSqlUser } from "./sql_fixtures.ts";

/**
 * The real app over a test database, with its own (not listening) hub unless told to listen.
 * `env` adds configuration (the API harness, helpers/api_app.ts, trusts its proxy this way).
 */
export function webApp(sql: Sql, extra: Partial<WebDeps> = {}, env: Record<string, string> = {}) {
  const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: "test-secret-test-secret-test-secret!!", DATA_DIR: ".data/test-web", LOG_LEVEL: "error", ...env });
  const log = createLogger({ level: "error" });
  const hub = extra.hub ?? new LiveHub(liveRenderer(sql), log);
  const deps: WebDeps = { sql, log, config, hub, ...extra };
  return { app: createApp(deps), deps, hub };
}

/** A user made by the one test fixture (sql_fixtures makeUser: these users sign in by cookie, never by password), with their session cookie. */
export async function makeUser(deps: WebDeps, username: string, role: "user" | "admin" = "user") {
  const user = await makeSqlUser(deps.sql, { name: username, admin: role === "admin" });
  const [row] = await deps.sql`select session_epoch from users where id = ${user.id}`;
  const token = await signSession(deps, user.id, row!.session_epoch); // promotion leaves session_epoch as it is
  return { id: String(user.id), username, cookie: `session=${token}` };
}

export const ORIGIN = "http://localhost";

/** A same-site form post (Origin set, as a browser does). */
export function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return new Request(ORIGIN + path, { method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields) });
}
