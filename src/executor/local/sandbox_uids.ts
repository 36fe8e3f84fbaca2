/**
 * Host uids for sandboxed agents, one per running agent. RLIMIT_NPROC counts processes per
 * real uid (we measured that two sandboxes under one uid share the count), so a fork bomb can
 * only be contained per agent if every agent runs as a uid of its own.
 *
 * A lease is an abstract unix socket named after the uid: unique per machine (per network
 * namespace), and released by the kernel when its holder dies, even by kill -9. So several
 * worker processes on one machine never hand out the same uid, and no lock file can go stale.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";

/**
 * The uid range: 61000–61511 unless RLA_SANDBOX_UID_BASE / RLA_SANDBOX_UID_COUNT say otherwise
 * (read at each lease; tests give each test process a range of its own so they can check that
 * nothing of theirs survives while other tests run).
 */
export function uidRange(): { base: number; count: number } {
  const base = Number(process.env.RLA_SANDBOX_UID_BASE ?? 61_000);
  const count = Number(process.env.RLA_SANDBOX_UID_COUNT ?? 512);
  if (!Number.isInteger(base) || base < 1000 || !Number.isInteger(count) || count < 1 || base + count > 2 ** 31) {
    throw new Error(`RLA_SANDBOX_UID_BASE=${process.env.RLA_SANDBOX_UID_BASE} / RLA_SANDBOX_UID_COUNT=${process.env.RLA_SANDBOX_UID_COUNT}: need integers with base ≥ 1000, count ≥ 1 and base + count ≤ 2^31`);
  }
  return { base, count };
}

export interface UidLease {
  uid: number;
  /**
   * Gives the uid's processes 500 ms to end on their own, kills whatever is left, waits until
   * none is, then frees the uid. Resolves with how many had to be killed (leftovers).
   */
  release(): Promise<number>;
}

/** Takes the first free uid of the range. Processes left over by a dead holder are killed first. */
export async function leaseUid(range = uidRange()): Promise<UidLease> {
  const { base, count } = range;
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const uid = base + ((start + i) % count);
    const server = await tryListen(`\0rl-arena-sandbox-uid-${uid}`);
    if (!server) continue;
    await killUid(uid);
    let released = false;
    return {
      uid,
      async release() {
        if (released) return 0;
        released = true;
        const killed = await killUid(uid, 500);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        return killed;
      },
    };
  }
  throw new Error(`all ${count} sandbox uids (${base}–${base + count - 1}) are in use on this machine`);
}

function tryListen(path: string): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(null));
    server.listen({ path, exclusive: true }, () => {
      server.unref();
      resolve(server);
    });
  });
}

/**
 * Pids of every live (non-zombie) process running as `uid` (Linux /proc). The owner of
 * /proc/<pid> is the process's effective uid, which for agents equals the real uid (setpriv
 * sets both); a stat per process is much cheaper than reading every status file.
 */
export function processesOfUid(uid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (name.charCodeAt(0) > 57 || name.charCodeAt(0) < 48) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      // Zombies are already dead (only waiting to be reaped by their parent) and cannot be killed.
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${name}/status`, "utf8"))) continue;
      pids.push(Number(name));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

/**
 * Waits up to `graceMs` for the processes of `uid` to end on their own (an agent dies a moment
 * after its sandbox's parent is killed), then SIGKILLs whatever is left until none is (gives up
 * after 5 s). Resolves with how many had to be killed.
 */
export async function killUid(uid: number, graceMs = 0): Promise<number> {
  const graceEnd = Date.now() + graceMs;
  let pids = processesOfUid(uid);
  while (pids.length && Date.now() < graceEnd) {
    await new Promise((r) => setTimeout(r, 10));
    pids = processesOfUid(uid);
  }
  const killed = pids.length;
  const deadline = Date.now() + 5000;
  for (; pids.length; pids = processesOfUid(uid)) {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    if (Date.now() > deadline) throw new Error(`processes of sandbox uid ${uid} survive SIGKILL: ${pids.join(", ")}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return killed;
}
