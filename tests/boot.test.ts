import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort } from "./helpers/ports.ts";
import { processesMatching, waitFor } from "./helpers/processes.ts";

interface Server { child: ChildProcess; output: () => string; exit: Promise<number | null> }

function startServer(env: Record<string, string>): Server {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, like a shell job: Ctrl-C signals the whole group
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> } | null> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return null;
  }
}

const root = mkdtempSync(join(tmpdir(), "rla-boot-"));
chmodSync(root, 0o755); // as root, PostgreSQL runs as user postgres and must reach DATA_DIR
const dataDir = join(root, "data");
let env: Record<string, string>;

/** The embedded cluster's URL, with the random password the platform keeps in DATA_DIR/pg-password. */
const embeddedUrl = () => {
  const password = readFileSync(join(dataDir, "pg-password"), "utf8").trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${env.EMBEDDED_PG_PORT}/rl_arena`;
};

test.before(async () => {
  env = { DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: "info" };
});
test.after(() => rmSync(root, { recursive: true, force: true }));

test("a fresh start serves /health and /ready within 30 s on an embedded PostgreSQL, and Ctrl-C stops everything in order", async () => {
  const started = Date.now();
  const server = startServer(env);
  const base = `http://127.0.0.1:${env.PORT}`;
  await waitFor(async () => (await getJson(`${base}/ready`))?.status === 200, 30_000, () => `/ready (output so far:\n${server.output()})`);
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 30, `ready after ${seconds} s`);
  const health = await getJson(`${base}/health`);
  assert.is(health?.status, 200);
  assert.is(health?.body.status, "ok");
  const ready = await getJson(`${base}/ready`);
  assert.equal({ database: ready?.body.database, migrations: ready?.body.migrations }, { database: "reachable", migrations: "applied" });
  assert.ok(processesMatching(join(dataDir, "pg")).length > 0, "embedded postgres runs under DATA_DIR/pg");

  // A marker row tells the next start whether it reused the data.
  const sql = postgres(embeddedUrl(), { max: 1, onnotice: () => {} });
  await sql`create table boot_marker (v text)`;
  await sql`insert into boot_marker values ('first run')`;
  await sql.end();

  // Ctrl-C in a terminal: SIGINT to every process of the foreground group at once.
  process.kill(-server.child.pid!, "SIGINT");
  assert.is(await server.exit, 0, server.output());
  assert.match(server.output(), /stopped/);
  // A job still in hand after the graceful timeout is interrupted and retried later (a slow
  // machine can get there; it is logged as "interrupted"); what must never show is the database
  // going away under the drain.
  assert.not.match(server.output(), /stopping .* failed|job failed|ECONNRESET|ECONNREFUSED|database system is shutting down|terminating connection|CONNECTION_(CLOSED|ENDED|DESTROYED)|longer than 20 s/, `PostgreSQL outlived the drain (it is not in the terminal's group); output:\n${server.output()}`);
  await waitFor(() => processesMatching(join(dataDir, "pg")).length === 0, 10_000, "no postgres process left");
});

test("a second start reuses the data directory and applies no migration again", async () => {
  const server = startServer(env);
  const base = `http://127.0.0.1:${env.PORT}`;
  await waitFor(async () => (await getJson(`${base}/ready`))?.status === 200, 30_000, () => `/ready (output:\n${server.output()})`);
  assert.not.match(server.output(), /database migrated/, "nothing to migrate on the second start");
  const sql = postgres(embeddedUrl(), { max: 1, onnotice: () => {} });
  assert.equal((await sql`select v from boot_marker`).map((r) => r.v), ["first run"]);
  await sql.end();
  server.child.kill("SIGTERM");
  assert.is(await server.exit, 0, server.output());
  await waitFor(() => processesMatching(join(dataDir, "pg")).length === 0, 10_000, "no postgres process left");
});

for (const [name, extra, pattern] of [
  ["PORT=abc", { PORT: "abc" }, /PORT="abc"/],
  ["a malformed DATABASE_URL", { DATABASE_URL: "not a url" }, /DATABASE_URL/],
  ["NODE_ENV=production without JWT_SECRET", { NODE_ENV: "production" }, /JWT_SECRET/],
] as const) {
  test(`bad configuration (${name}) exits non-zero with a one-line message naming the variable`, async () => {
    const server = startServer({ ...env, ...extra });
    const code = await server.exit;
    assert.is(code, 2);
    const lines = server.output().trim().split("\n");
    assert.is(lines.length, 1, server.output());
    assert.match(lines[0]!, pattern);
  });
}

test.run();
