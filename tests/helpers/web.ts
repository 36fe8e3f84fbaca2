/**
 * The one app harness: the real app (createApp) over a test database, called with
 * `app.request()` (no server, no port). `webApp` gives the app and its deps for page tests;
 * `createApiHarness` adds its own database, the installed environments and helpers for the JSON
 * API. Users come from sql_fixtures `makeUser`; `signedIn` gives one a session cookie.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sql } from "postgres";
import { listEnvironments } from "rl-arena-env";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createApp } from "../../src/web/app.ts";
import { signSession } from "../../src/web/http/authentication.ts";
import type { WebDeps } from "../../src/web/deps.ts";
import { liveRenderer } from "../../src/web/live/renderers.tsx";
import { LiveHub } from "../../src/web/live/hub.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

/** The key every harness app signs sessions with (a test that crafts its own token signs with it). */
export const TEST_JWT_SECRET = "t".repeat(40);

/**
 * The real app over a test database, with its own (not listening) hub unless told to listen.
 * `env` adds configuration (createApiHarness trusts its proxy this way).
 */
export function webApp(sql: Sql, extra: Partial<WebDeps> = {}, env: Record<string, string> = {}) {
  const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: ".data/test-web", LOG_LEVEL: "error", ...env });
  const log = createLogger({ level: "error" });
  const hub = extra.hub ?? new LiveHub(liveRenderer(sql), log);
  const deps: WebDeps = { sql, log, config, hub, ...extra };
  return { app: createApp(deps), deps, hub };
}

/** A user (sql_fixtures makeUser: these users sign in by cookie, never by password) with a session cookie for the app of `deps`. */
export async function signedIn(deps: WebDeps, user: { id: string; username: string }) {
  const [row] = await deps.sql`select session_epoch from users where id = ${user.id}`;
  const token = await signSession(deps, user.id, row!.session_epoch); // promotion leaves session_epoch as it is
  return { id: String(user.id), username: user.username, cookie: `session=${token}` };
}

export const ORIGIN = "http://localhost";

/** A same-site form post (Origin set, as a browser does). */
export function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return new Request(ORIGIN + path, { method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields) });
}

/** A test database and the real app on top of it (webApp), plus small helpers to call the JSON API. */
export interface ApiHarness {
  db: TestDatabase;
  app: ReturnType<typeof createApp>;
  /** Calls /api/v1<path>; `body` objects are sent as JSON; `token` as a Bearer header. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; ip?: string }): Promise<Response>;
  /** Registers a user through the API and returns its token and user. */
  register(username: string, extra?: { email?: string; password?: string }): Promise<{ token: string; user: { id: string; username: string } }>;
  close(): Promise<void>;
}

let ipCounter = 0;

/** The peer address of every harness call: what @hono/node-server puts in `c.env` for a socket. */
export const PROXY = "127.0.0.1";
export const viaProxy = { incoming: { socket: { remoteAddress: PROXY } } };

export async function createApiHarness(env: Record<string, string> = {}): Promise<ApiHarness> {
  const db = await createTestDatabase();
  // What the process does at boot: the environments of the installed rl-arena-env become rows.
  for (const e of listEnvironments()) {
    await db.sql`select upsert_environment(${e.id}, ${e.version}, ${e.name}, ${db.sql.json(JSON.parse(JSON.stringify(e)))})`;
  }
  // The harness plays a reverse proxy on 127.0.0.1 that the app is told to trust, so the
  // X-Forwarded-For each call carries is the client address the rate limits see.
  const { app } = webApp(db.sql, {}, { DATA_DIR: mkdtempSync(join(tmpdir(), "rla-api-")), TRUST_PROXY: PROXY, ...env });
  const call: ApiHarness["call"] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    // Each call comes from its own address unless the test names one, so per-IP limits only bite where a test wants them.
    headers["x-forwarded-for"] ??= options.ip ?? `10.9.${(ipCounter >> 8) & 255}.${ipCounter++ & 255}`;
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: BodyInit | undefined;
    if (options.body instanceof FormData || typeof options.body === "string" || options.body instanceof Uint8Array) body = options.body as BodyInit;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    return Promise.resolve(app.request(`http://arena.test/api/v1${path}`, { method, headers, body }, viaProxy));
  };
  return {
    db,
    app,
    call,
    async register(username, extra = {}) {
      const res = await call("POST", "/auth/register", {
        body: { username, email: extra.email ?? `${username}@example.org`, password: extra.password ?? "long-enough-pw" },
      });
      if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    close: () => db.drop(),
  };
}
