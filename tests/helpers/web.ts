import type { Sql } from "postgres";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createApp } from "../../src/web/app.ts";
import { signSession } from "../../src/web/auth.ts";
import type { WebDeps } from "../../src/web/deps.ts";
import { liveRenderer } from "../../src/web/live.tsx";
import { LiveHub } from "../../src/web/sse.ts";

/** The real app over a test database, with its own (not listening) hub unless told to listen. */
export function webApp(sql: Sql, extra: Partial<WebDeps> = {}) {
  const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: "test-secret-test-secret-test-secret!!", DATA_DIR: ".data/test-web", LOG_LEVEL: "error" });
  const log = createLogger({ level: "error" });
  const hub = extra.hub ?? new LiveHub(liveRenderer(sql), log);
  const deps: WebDeps = { sql, log, config, hub, ...extra };
  return { app: createApp(deps), deps, hub };
}

/** A user created through register_user, with a fixed dummy hash (these users sign in by cookie, never by password), and their session cookie. */
export async function makeUser(deps: WebDeps, username: string, role: "user" | "admin" = "user") {
  const [row] = await deps.sql`select * from register_user(${username}, ${username + "@example.test"}, ${"scrypt$2$1$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"}, ${""})`;
  if (role === "admin") await deps.sql`update users set role = 'admin' where id = ${row.id}`;
  const token = await signSession(deps, row.id, row.session_epoch); // promotion leaves session_epoch as it is
  return { id: String(row.id), username, cookie: `session=${token}` };
}

export const ORIGIN = "http://localhost";

/** A same-site form post (Origin set, as a browser does). */
export function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return new Request(ORIGIN + path, { method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields) });
}
