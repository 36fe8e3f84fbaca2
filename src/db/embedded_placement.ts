/**
 * Where the embedded PostgreSQL lives when the platform runs as root.
 *
 * PostgreSQL refuses to run as root, so as root its processes run as user "postgres", which
 * must reach both its binaries (in node_modules) and its data directory. A checkout or DATA_DIR
 * under a private folder (`/root`, `mktemp -d`) is out of that user's reach. Then the platform
 * puts what "postgres" needs under /var/lib/rl-arena, with owners and modes that let it in, and
 * the caller logs where. Nothing here runs when the platform is not root.
 */
import { spawnSync, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, rmdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The folder the platform owns for what user "postgres" must reach; made 0755, root's. */
export const SHARED_ROOT = "/var/lib/rl-arena";

/** The OS user PostgreSQL runs as when we are root. */
export interface PostgresUser {
  uid: number;
  gid: number;
}

/** The uid and gid of user "postgres", creating the user (and its group) when missing. */
export function postgresUser(): PostgresUser {
  const lookup = (): PostgresUser | null => {
    try {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
      const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
      return { uid, gid };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    execFileSync("useradd", ["--system", "-g", "postgres", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], { stdio: "ignore" });
  } catch (e) {
    throw new Error(`embedded PostgreSQL cannot run as root and there is no user "postgres" to run it as; creating one failed (${(e as Error).message}): create it, or set DATABASE_URL`);
  }
  const made = lookup();
  if (!made) throw new Error('embedded PostgreSQL: user "postgres" was created but `id postgres` still fails');
  return made;
}

/** Whether `user` can enter `dir` (every ancestor searchable), asked of the kernel as that user. */
export function canEnter(user: PostgresUser, dir: string): boolean {
  return asUser(user, 'cd -- "$1"', dir);
}

/** Whether `user` can run the program at `file`. */
export function canExecute(user: PostgresUser, file: string): boolean {
  return asUser(user, 'test -x "$1" && test -r "$1"', file);
}

function asUser(user: PostgresUser, script: string, path: string): boolean {
  // Node drops supplementary groups when it sets uid/gid, exactly as for the postmaster itself.
  const r = spawnSync("/bin/sh", ["-c", script, "sh", path], { uid: user.uid, gid: user.gid, cwd: "/", stdio: "ignore" });
  return r.status === 0;
}

/**
 * The folder of PostgreSQL's bin/, lib/ and share/ that `user` can run: `nativeDir` itself, or
 * a copy in SHARED_ROOT (made once per version; `notes` says so).
 */
export function reachableBinaries(nativeDir: string, user: PostgresUser, notes: string[]): string {
  if (canExecute(user, join(nativeDir, "bin", "postgres"))) return nativeDir;
  const { version } = JSON.parse(readFileSync(join(nativeDir, "..", "package.json"), "utf8")) as { version: string };
  const target = join(ensureSharedRoot(user), `postgresql-${version}-${process.platform}-${process.arch}`);
  const complete = join(target, ".complete");
  if (!existsSync(complete)) {
    // Copied aside and renamed into place, so a concurrent start never runs a half copy.
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    writeFileSync(join(partial, ".complete"), `copied from ${nativeDir}\n`);
    if (existsSync(target) && !existsSync(complete)) rmSync(target, { recursive: true, force: true });
    try {
      renameSync(partial, target);
    } catch (e) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(complete)) throw e;
    }
  }
  notes.push(`user "postgres" cannot reach ${nativeDir}; PostgreSQL runs from the copy in ${target}`);
  return target;
}

/**
 * The data directory PostgreSQL will run with for the requested one. When "postgres" can reach
 * the requested folder's parent (DATA_DIR) — after adding the search bit to DATA_DIR itself if
 * that is all it lacks — the cluster stays where it was asked for. Otherwise it lives in
 * SHARED_ROOT/pg-<hash of the requested path>, and the requested path becomes a symbolic link
 * to it, so later starts, `npm run psql` and an operator's `ls -l` find it.
 */
export function placeCluster(requested: string, user: PostgresUser, notes: string[]): string {
  const parent = dirname(requested);
  mkdirSync(parent, { recursive: true });
  const link = lstatOrNull(requested);
  if (link?.isSymbolicLink()) return realpathSync(requested);

  if (!canEnter(user, parent) && canEnter(user, dirname(parent))) {
    // Search (x) only: "postgres" may pass through DATA_DIR, not list it.
    chmodSync(parent, statSync(parent).mode & 0o7777 | 0o011);
  }
  if (canEnter(user, parent)) return requested;
  if (link && !isEmptyDir(requested)) {
    throw new Error(`embedded PostgreSQL runs as user "postgres" when started as root, and it cannot reach its cluster ${requested}: ${unreachableAncestor(user, parent)}; let "postgres" search that folder (chmod o+x) or set DATABASE_URL`);
  }
  if (link) rmdirSync(requested); // an empty folder, left by an earlier failed start

  const target = join(ensureSharedRoot(user), `pg-${createHash("sha256").update(requested).digest("hex").slice(0, 16)}`);
  // A cluster there whose link is gone belonged to a DATA_DIR that was deleted: its data went with it.
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { mode: 0o700 });
  chownSync(target, user.uid, user.gid);
  symlinkSync(target, requested);
  notes.push(`user "postgres" cannot reach ${parent} (${unreachableAncestor(user, parent)}); the embedded cluster lives in ${target}, linked from ${requested}`);
  return target;
}

function ensureSharedRoot(user: PostgresUser): string {
  mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o755 });
  if (!canEnter(user, SHARED_ROOT)) {
    throw new Error(`embedded PostgreSQL: user "postgres" cannot enter ${SHARED_ROOT} either (${unreachableAncestor(user, SHARED_ROOT)}): make it and its parents searchable (chmod o+x), or set DATABASE_URL`);
  }
  return SHARED_ROOT;
}

/** Names the first folder on the way to `dir` that "postgres" cannot enter, with its mode. */
function unreachableAncestor(user: PostgresUser, dir: string): string {
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.unshift(d);
    if (dirname(d) === d) break;
  }
  const blocked = chain.find((d) => !canEnter(user, d));
  if (!blocked) return `${dir} is reachable`;
  return `${blocked} is mode ${(statSync(blocked).mode & 0o777).toString(8)}, owner uid ${statSync(blocked).uid}`;
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** Tells "nothing was ever here" from a cluster (or the remains of one). */
function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}
