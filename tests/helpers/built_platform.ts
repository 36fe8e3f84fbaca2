/**
 * The built platform as users run it: `node dist/main.js` (the Dockerfile's command) in its own
 * process group, driven from outside over HTTP. The runner (tests/run.ts) builds dist/ once
 * before any tests/system/ file runs, so these tests exercise the bundle, not the sources.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sql } from "postgres";
import { PROJECT_ROOT } from "../../src/paths.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./processes.ts";

export interface BuiltPlatform {
  /** `http://127.0.0.1:<PORT>` of the web role (nothing listens there for ROLE=worker). */
  url: string;
  /** A client on the platform's database (a clone of the template); null for embedded PostgreSQL. */
  sql: Sql | null;
  /** The platform's DATABASE_URL; null for embedded PostgreSQL. */
  databaseUrl: string | null;
  dataDir: string;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches `re`; rejects after `ms` with the output so far. */
  waitForOutput(re: RegExp, ms?: number): Promise<void>;
  /** SIGTERM to the process group, SIGKILL after 15 s; then drops the clone and the DATA_DIR made here. Idempotent. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Extra environment; wins over the defaults below. */
  env?: Record<string, string>;
  /**
   * "clone" (default): a fresh clone of the runner's migrated template as DATABASE_URL.
   * "embedded": no DATABASE_URL, so the platform starts its embedded PostgreSQL in DATA_DIR.
   * { url }: an existing database (another platform's), for several processes on one database.
   */
  database?: "clone" | "embedded" | { url: string };
  /** DATA_DIR; default a fresh `mkdtemp` folder (mode 0700, as `mktemp -d` makes it), removed at stop. */
  dataDir?: string;
  /** Working directory (default the project root); `command` paths are relative to it. */
  cwd?: string;
  /** The command; default the Dockerfile's CMD (`node --enable-source-maps dist/main.js`). */
  command?: string[];
  /** Run as this user and group (the test runs as root), as the Dockerfile's USER does. */
  user?: { uid: number; gid: number };
  /** Wait for `/ready` (default true; a ROLE=worker process answers it on METRICS_PORT). */
  waitReady?: boolean;
}

/** The CMD of the Dockerfile, so the tests run exactly what the image runs. */
export function dockerfileCommand(): string[] {
  const dockerfile = readFileSync(join(PROJECT_ROOT, "Dockerfile"), "utf8");
  const cmd = [...dockerfile.matchAll(/^CMD\s+(\[.*\])\s*$/gm)].at(-1);
  if (!cmd) throw new Error("the Dockerfile has no CMD in exec form");
  const argv = JSON.parse(cmd[1]) as string[];
  return argv[0] === "node" ? [process.execPath, ...argv.slice(1)] : argv;
}

export async function startBuiltPlatform(options: StartOptions = {}): Promise<BuiltPlatform> {
  const cwd = options.cwd ?? PROJECT_ROOT;
  if (!options.command && !existsSync(join(cwd, "dist", "main.js"))) {
    throw new Error(`${join(cwd, "dist", "main.js")} is missing: system tests run through the runner, which builds it (npm test -- system)`);
  }
  let clone: TestDatabase | null = null;
  let databaseUrl: string | null = null;
  let sql: Sql | null = null;
  const database = options.database ?? "clone";
  if (database === "clone") {
    clone = await createTestDatabase({ max: 4 });
    databaseUrl = clone.url;
    sql = clone.sql;
  } else if (database !== "embedded") {
    databaseUrl = database.url;
  }
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "rla-system-"));
  const port = await freePort();
  const env: Record<string, string> = {
    ...process.env as Record<string, string>,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? "",
    EMBEDDED_PG_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    DEMO: "false",
    LOG_LEVEL: "info",
    MATCHMAKING_INTERVAL_S: "1",
    MATCH_COOLDOWN_S: "0",
    MATCH_CONCURRENCY: "2",
    ...options.env,
  };
  // The runner's own variables must not leak into what a user would run.
  delete env.RLA_TEST_ADMIN_URL;
  delete env.RLA_TEST_TEMPLATE;
  delete env.TEST_DATABASE_URL;
  const [command, ...args] = options.command ?? dockerfileCommand();
  const child: ChildProcess = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"], ...options.user });
  let output = "";
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://127.0.0.1:${port}`;

  const platform: BuiltPlatform = {
    url,
    sql,
    databaseUrl,
    dataDir,
    pid: child.pid!,
    output: () => output,
    async waitForOutput(re, ms = 30_000) {
      await waitFor(() => re.test(output), ms, () => `${re} in the platform's output:\n${output.slice(-3000)}`);
    },
    stop() {
      return (stopping ??= stopOnce());
    },
  };
  let stopping: ReturnType<BuiltPlatform["stop"]> | null = null;
  async function stopOnce(): ReturnType<BuiltPlatform["stop"]> {
    if (!exited) {
      try { process.kill(-child.pid!, "SIGTERM"); } catch { /* gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, 15_000);
      await exit;
      clearTimeout(timer);
    }
    // Whatever the process group left (agents, embedded PostgreSQL) goes too.
    try { process.kill(-child.pid!, "SIGKILL"); } catch { /* none left */ }
    await clone?.drop();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    return exited ?? { code: null, signal: null };
  }

  const readyUrl = env.ROLE === "worker" ? `http://127.0.0.1:${env.METRICS_PORT}/ready` : `${url}/ready`;
  if (options.waitReady ?? true) {
    try {
      await waitFor(async () => {
        if (exited) throw new Error(`the platform exited (${JSON.stringify(exited)}) before it was ready:\n${output.slice(-3000)}`);
        try { return (await fetch(readyUrl)).ok; } catch { return false; }
      }, 60_000, () => `${readyUrl}; output so far:\n${output.slice(-3000)}`);
    } catch (error) {
      await platform.stop();
      throw error;
    }
  }
  return platform;
}
