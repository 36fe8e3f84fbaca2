/**
 * One memory cgroup per sandboxed agent, when the host allows it.
 *
 * RLIMIT_DATA (sandbox.ts) bounds each process, not the agent: with its 64 processes, its
 * tmpfs and its memfd pages an agent could hold many times its limit. A memory cgroup counts
 * every page the agent's processes use, together, and the kernel's OOM killer stops the agent
 * at the limit.
 *
 * Our cgroups are children of the platform's own memory cgroup (`<its cgroup>/rl-arena/…`),
 * so agents stay inside whatever limit the operator put the platform under. That needs the
 * platform to run as root with that cgroup writable: cgroup v1's memory hierarchy, or a cgroup
 * v2 subtree delegated to the platform with the memory controller (on v2 a cgroup holding
 * processes cannot have children with controllers, so a platform that shares its cgroup with
 * its own process falls back). Without one, the per-process limits alone apply and
 * sandboxStatus() says so.
 *
 * Names carry the creating process's pid and start time, so leftovers of a killed platform
 * process are told apart from a live one's at boot and removed.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

export interface CgroupSupport {
  version: 1 | 2;
  /** Our parent cgroup, under the platform's own: every agent's cgroup is a child of it. */
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
  /** How many of the agent's processes the kernel's OOM killer ended (null: not reported). */
  oomKills(): number | null;
  /** Removes the cgroup once its processes are gone (retries while they exit). */
  remove(): Promise<void>;
}

/**
 * Finds a memory cgroup under the platform's own that we can create children in and join,
 * proven with a probe cgroup and a real process; sweeps leftovers of dead platform processes.
 */
export function detectCgroupSupport(root = "/sys/fs/cgroup", sh = "/bin/sh"): CgroupSupport | null {
  if (process.getuid?.() !== 0) return null;
  const own = ownCgroups();
  const candidates: CgroupSupport[] = [];
  if (own.v2 !== null && readOr(join(root, "cgroup.controllers"), "").split(/\s+/).includes("memory")) {
    candidates.push({ version: 2, base: join(root, own.v2, "rl-arena") });
  }
  if (own.v1Memory !== null && existsSync(join(root, "memory", "memory.limit_in_bytes"))) {
    candidates.push({ version: 1, base: join(root, "memory", own.v1Memory, "rl-arena") });
  }
  for (const support of candidates) {
    try {
      mkdirSync(support.base, { recursive: true });
      // v2: children of rl-arena get the memory controller only if rl-arena and its parent hand
      // it down; the parent is the platform's own cgroup, which fails here while it holds processes.
      if (support.version === 2) {
        appendFileSync(join(support.base, "..", "cgroup.subtree_control"), "+memory");
        appendFileSync(join(support.base, "cgroup.subtree_control"), "+memory");
      }
      removeStaleCgroups(support);
      const probe = createAgentCgroup(support, 64 * 1024 * 1024, `probe-${processTag()}`);
      try {
        const joined = spawnSync(sh, ["-c", 'echo $$ > "$0"', probe.procsFile], { encoding: "utf8", timeout: 5_000 });
        if (joined.status !== 0) throw new Error(`a process cannot join ${probe.path}: ${joined.stderr.trim()}`);
      } finally {
        rmdirSync(probe.path);
      }
      return support;
    } catch {
      // not writable or not joinable here (a container, a shared v2 cgroup): try the next
    }
  }
  return null;
}

/** Creates a cgroup limited to `memoryBytes` (no swap) for one agent. */
export function createAgentCgroup(support: CgroupSupport, memoryBytes: number, name = `agent-${processTag()}-${randomBytes(6).toString("hex")}`): AgentCgroup {
  const path = join(support.base, name);
  mkdirSync(path);
  try {
    if (support.version === 2) {
      writeFileSync(join(path, "memory.max"), String(memoryBytes));
      if (existsSync(join(path, "memory.swap.max"))) writeFileSync(join(path, "memory.swap.max"), "0");
    } else {
      writeFileSync(join(path, "memory.limit_in_bytes"), String(memoryBytes));
      // memory + swap: set after the memory limit (the kernel requires memsw ≥ memory).
      if (existsSync(join(path, "memory.memsw.limit_in_bytes"))) writeFileSync(join(path, "memory.memsw.limit_in_bytes"), String(memoryBytes));
    }
  } catch (error) {
    try {
      rmdirSync(path);
    } catch {
      // the original error matters more
    }
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

/** `<pid>-<start time>` of a process: unique on this host until reboot, unlike a pid alone. */
export function processTag(pid: number = process.pid): string {
  return `${pid}-${startTime(pid) ?? 0}`;
}

/** Removes empty cgroups (agents' and probes') whose creating process no longer runs. */
function removeStaleCgroups(support: CgroupSupport): void {
  for (const name of readdirSync(support.base)) {
    const tag = /^(?:agent|probe)-(\d+)-(\d+)(?:-|$)/.exec(name);
    if (!tag || processTag(Number(tag[1])) === `${tag[1]}-${tag[2]}`) continue; // not ours, or its creator still runs
    try {
      rmdirSync(join(support.base, name)); // EBUSY while processes remain: left alone
    } catch {
      // in use or already gone
    }
  }
}

/** The platform's own cgroup paths, from /proc/self/cgroup: the v2 one and v1's memory one. */
function ownCgroups(): { v2: string | null; v1Memory: string | null } {
  let v2: string | null = null;
  let v1Memory: string | null = null;
  for (const line of readOr("/proc/self/cgroup", "").split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers === "") v2 = path;
    else if (controllers!.split(",").includes("memory")) v1Memory = path;
  }
  return { v2, v1Memory };
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot), or null when the process is gone. */
function startTime(pid: number): number | null {
  const stat = readOr(`/proc/${pid}/stat`, "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return stat ? Number(fields[19]) : null;
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}
