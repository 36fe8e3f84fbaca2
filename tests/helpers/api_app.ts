import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listEnvironments } from "rl-arena-env";
import { createApp } from "../../src/web/app.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { webApp } from "./web.ts";

/** A test database and the real app on top of it (helpers/web.ts webApp, the one app harness), plus small helpers to call the JSON API. */
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
  const { app } = webApp(db.sql, {}, { DATA_DIR: mkdtempSync(join(tmpdir(), "rla-api-")), JWT_SECRET: "t".repeat(40), TRUST_PROXY: PROXY, ...env });
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
