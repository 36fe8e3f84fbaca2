/**
 * One memory cgroup per sandboxed agent, when the host allows it.
 *
 * RLIMIT_DATA (sandbox.ts) bounds each process, not the agent: with its 64 processes, its
 * tmpfs and its memfd pages an agent could hold many times its limit. A memory cgroup counts
 * every page the agent's processes use, together, and the kernel's OOM killer stops the agent
 * at the limit. It needs the platform to run as root on a host whose memory cgroup it may
 * write: cgroup v2 mounted at /sys/fs/cgroup with the memory controller, or v1's memory
 * hierarchy at /sys/fs/cgroup/memory. Inside most containers neither is writable; then the
 * per-process limits alone apply and sandboxStatus() says so.
 *
 * Our cgroups live under `<memory root>/rl-arena/`, one per launch, removed on release.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

export interface CgroupSupport {
  version: 1 | 2;
  /** Our parent cgroup: every agent's cgroup is a child of it. */
  base: string;
}

export interface AgentCgroup {
  path: string;
  /** The limit on all the agent's memory together (processes, tmpfs and shared memory pages). */
  limitBytes: number;
  /** Writing a pid here moves that process (and its future children) into the cgroup. */
  procsFile: string;
  /** The most memory the agent's processes used at once, when the kernel reports it. */
  peakBytes(): number | null;
  /** How many of the agent's processes the kernel's OOM killer ended. */
  oomKills(): number | null;
  /** Removes the cgroup once its processes are gone (retries while they exit). */
  remove(): Promise<void>;
}

/** Finds a memory cgroup hierarchy we can create children in, and proves it with a probe cgroup. */
export function detectCgroupSupport(root = "/sys/fs/cgroup"): CgroupSupport | null {
  if (process.getuid?.() !== 0) return null;
  const candidates: CgroupSupport[] = [];
  if (readOr(join(root, "cgroup.controllers"), "").split(/\s+/).includes("memory")) candidates.push({ version: 2, base: join(root, "rl-arena") });
  if (existsSync(join(root, "memory", "memory.limit_in_bytes"))) candidates.push({ version: 1, base: join(root, "memory", "rl-arena") });
  for (const support of candidates) {
    try {
      mkdirSync(support.base, { recursive: true });
      if (support.version === 2) {
        // Children of rl-arena get the memory controller only if every ancestor hands it down.
        appendFileSync(join(root, "cgroup.subtree_control"), "+memory");
        appendFileSync(join(support.base, "cgroup.subtree_control"), "+memory");
      }
      const probe = createAgentCgroup(support, 64 * 1024 * 1024, `probe-${process.pid}`);
      rmdirSync(probe.path);
      removeStaleCgroups(support);
      return support;
    } catch {
      // not writable here (a container, a read-only mount, a controller in use): try the next
    }
  }
  return null;
}

/** Creates a cgroup limited to `memoryBytes` (no swap) for one agent. */
export function createAgentCgroup(support: CgroupSupport, memoryBytes: number, name = `agent-${process.pid}-${randomBytes(6).toString("hex")}`): AgentCgroup {
  const path = join(support.base, name);
  mkdirSync(path);
  try {
    if (support.version === 2) {
      writeFileSync(join(path, "memory.max"), String(memoryBytes));
      if (existsSync(join(path, "memory.swap.max"))) writeFileSync(join(path, "memory.swap.max"), "0");
      writeFileSync(join(path, "memory.oom.group"), "1"); // one OOM ends the whole agent, not one of its processes
    } else {
      writeFileSync(join(path, "memory.limit_in_bytes"), String(memoryBytes));
      // memory + swap: set after the memory limit (the kernel requires memsw ≥ memory).
      if (existsSync(join(path, "memory.memsw.limit_in_bytes"))) writeFileSync(join(path, "memory.memsw.limit_in_bytes"), String(memoryBytes));
    }
  } catch (error) {
    rmdirSync(path);
    throw error;
  }
  const numberIn = (file: string, key?: string): number | null => {
    const text = readOr(join(path, file), "");
    if (!text) return null;
    if (!key) return Number(text.trim());
    const line = text.split("\n").find((l) => l.startsWith(`${key} `));
    return line ? Number(line.slice(key.length + 1)) : null;
  };
  return {
    path,
    limitBytes: memoryBytes,
    procsFile: join(path, "cgroup.procs"),
    peakBytes: () => numberIn(support.version === 2 ? "memory.peak" : "memory.max_usage_in_bytes"),
    oomKills: () => numberIn(support.version === 2 ? "memory.events" : "memory.oom_control", "oom_kill"),
    async remove() {
      for (let attempt = 0; ; attempt++) {
        try {
          rmdirSync(path);
          return;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "ENOENT") return;
          if (code !== "EBUSY" || attempt >= 50) throw error;
          await new Promise((r) => setTimeout(r, 20)); // its last processes are still exiting
        }
      }
    },
  };
}

/**
 * A platform process killed with -9 leaves its agents' cgroups behind (their processes are
 * killed by uid on the next lease). At boot, empty ones are removed when the process that made
 * them (its pid is in the name) is gone, or when they are older than ten minutes; a live
 * process's fresh cgroup, made and not yet joined, is left alone.
 */
function removeStaleCgroups(support: CgroupSupport): void {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of readdirSync(support.base)) {
    const creator = /^agent-(\d+)-/.exec(name);
    if (!creator && !name.startsWith("agent-")) continue;
    const path = join(support.base, name);
    try {
      if ((creator && !alive(Number(creator[1]))) || statSync(path).mtimeMs < cutoff) rmdirSync(path); // EBUSY while processes remain
    } catch {
      // in use or already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}
