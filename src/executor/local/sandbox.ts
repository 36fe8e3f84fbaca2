/**
 * The local sandbox: every agent process runs inside bubblewrap with no network, a private
 * /tmp, its code read-only at /agent, only the system runtime folders visible, no environment
 * variables from the platform, uid 65534 inside and a uid of its own outside (when the
 * platform runs as root), and rlimits on memory, CPU time, processes, open files and file size.
 *
 * The spawned command is a chain: `prlimit … -- [setpriv --reuid U …] -- bwrap … -- <agent>`.
 * RLIMIT_DATA bounds memory (node needs a large virtual address space, so RLIMIT_AS would
 * break it; RLIMIT_DATA counts private writable mappings, which is where heaps and buffers
 * live). RLIMIT_NPROC is per host uid, hence a uid per agent (sandbox_uids.ts).
 * The chain starts with a shell outside the sandbox (LAUNCH_SCRIPT). Where the host lets us
 * (root, a writable memory cgroup), it first moves itself into a memory cgroup of the agent's
 * own, so the limit also holds for all the agent's processes and pages together
 * (sandbox_cgroup.ts). It then runs the rest and, from bwrap's status, tells a sandbox that
 * could not start the agent (the platform's failure) from an agent that ran and failed.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Logger } from "../../log.ts";
import { createAgentCgroup, detectCgroupSupport, type AgentCgroup, type CgroupSupport } from "./sandbox_cgroup.ts";
import { leaseUid, type UidLease } from "./sandbox_uids.ts";

export type SandboxRequest = "auto" | "bwrap" | "none";
export type SandboxMode = "bwrap" | "none" | "unavailable";

export interface SandboxStatus {
  requested: SandboxRequest;
  /** bwrap: agents are sandboxed; none: the operator turned the sandbox off; unavailable: no working bwrap (uploaded code is refused). */
  mode: SandboxMode;
  /** Uploaded (untrusted) code may run: the sandbox works, or the operator set SANDBOX=none. */
  uploadedCodeAllowed: boolean;
  /** A sentence for the boot log and the admin pages; null when all is well. */
  warning: string | null;
  bwrap: string | null;
  bwrapVersion: string | null;
  /** Each agent runs as a host uid of its own (possible only when the platform runs as root). */
  separateUids: boolean;
  /**
   * Each agent also runs in a memory cgroup of its own (cgroup v1 or v2), so its memory limit
   * counts all its processes together; null: the limit applies per process (RLIMIT_DATA) only.
   */
  memoryCgroup: "v1" | "v2" | null;
}

export interface SandboxLimits {
  /** RLIMIT_DATA: heap, buffers and other private writable memory. */
  memoryBytes: number;
  /** RLIMIT_CPU: CPU seconds before SIGKILL (a backstop; the referee's wall-clock limits act first). */
  cpuSeconds: number;
  /** RLIMIT_NPROC: processes and threads of the agent's uid. */
  processes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /**
   * RLIMIT_FSIZE: largest file the agent can write (in /tmp, /dev/shm or a memfd). memfd
   * memory is not counted by RLIMIT_DATA, so openFiles × fileSizeBytes bounds it.
   */
  fileSizeBytes: number;
  /** Size of the private /tmp (tmpfs). */
  tmpBytes: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = Object.freeze({
  memoryBytes: 512 * 1024 * 1024,
  cpuSeconds: 1200,
  processes: 64,
  openFiles: 64,
  fileSizeBytes: 8 * 1024 * 1024,
  tmpBytes: 64 * 1024 * 1024,
});

export interface SandboxCommand {
  /** Program and arguments as seen inside the sandbox. */
  command: string;
  args: string[];
  /** Host folder mounted read-only at /agent, which is also the working directory. */
  codeDir?: string;
  /** More read-only mounts, host path → sandbox path. */
  binds?: Array<{ source: string; target: string }>;
  /** Environment inside the sandbox, added to PATH/HOME/LANG/TMPDIR; nothing else is passed. */
  env?: Record<string, string>;
  limits: SandboxLimits;
}

/** What the referee spawns (the shape of rl-arena-env's LaunchSpec). */
export interface Launch {
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
}

const INSIDE_UID = 65534;
const SHM_BYTES = 16 * 1024 * 1024;
export const SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";
const SYSTEM_PATHS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"];

let status: SandboxStatus = {
  requested: "auto",
  mode: "unavailable",
  uploadedCodeAllowed: false,
  warning: "the sandbox has not been checked yet (initSandbox was not called)",
  bwrap: null,
  bwrapVersion: null,
  separateUids: false,
  memoryCgroup: null,
};
let tools: { bwrap: string; prlimit: string; setpriv: string | null; sh: string | null } | null = null;
let cgroups: CgroupSupport | null = null;

/** The sandbox state decided at boot, for the admin pages, /ready and the executor. */
export function sandboxStatus(): SandboxStatus {
  return status;
}

/**
 * Finds bubblewrap and proves it works here by running `true` through the full chain (uid
 * switch, limits, namespaces). SANDBOX=bwrap fails hard without it; auto falls back to
 * "unavailable" (built-in agents only); none is the operator's explicit choice, with a warning.
 */
export async function initSandbox(requested: SandboxRequest, log?: Logger, options: { /** Path of bwrap instead of searching for it (tests use a missing path). */ bwrap?: string } = {}): Promise<SandboxStatus> {
  const root = process.getuid?.() === 0;
  const bwrap = options.bwrap !== undefined ? (existsSync(options.bwrap) ? options.bwrap : null) : findTool("bwrap");
  const prlimit = findTool("prlimit");
  const setpriv = root ? findTool("setpriv") : null;
  const sh = findTool("sh");
  cgroups = root && sh && requested !== "none" ? detectCgroupSupport("/sys/fs/cgroup", sh) : null;
  const base = {
    requested, bwrap, bwrapVersion: null as string | null, separateUids: root && setpriv !== null,
    memoryCgroup: cgroups ? (`v${cgroups.version}` as const) : null,
  };
  if (requested === "none") {
    tools = null;
    status = { ...base, mode: "none", uploadedCodeAllowed: true, warning: "SANDBOX=none: uploaded agents run WITHOUT a sandbox, with the platform's access to this machine. Use only with code you trust.", separateUids: false, memoryCgroup: null };
    log?.warn(status.warning!);
    return status;
  }
  let problem: string | null = null;
  if (!bwrap) problem = "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)";
  else if (!prlimit) problem = "prlimit (util-linux) is not installed";
  else if (root && !setpriv) problem = "setpriv (util-linux) is not installed; it is needed to run agents as unprivileged uids";
  else {
    tools = { bwrap, prlimit, setpriv, sh };
    base.bwrapVersion = spawnSync(bwrap, ["--version"], { encoding: "utf8" }).stdout.trim() || null;
    status = { ...base, mode: "unavailable", uploadedCodeAllowed: false, warning: "checking the sandbox" };
    problem = await probe();
    if (problem) tools = null;
  }
  if (problem) {
    if (requested === "bwrap") throw new Error(`SANDBOX=bwrap but the sandbox does not work: ${problem}`);
    status = { ...base, mode: "unavailable", uploadedCodeAllowed: false, warning: `no working sandbox: ${problem}. Built-in agents still play; uploaded agents are refused until bubblewrap works or the operator sets SANDBOX=none.` };
    log?.warn(status.warning!);
    return status;
  }
  status = {
    ...base,
    mode: "bwrap",
    uploadedCodeAllowed: true,
    warning: base.separateUids ? null : "the platform does not run as root, so agents share its uid: the process limit counts the platform's own processes too",
  };
  log?.info("sandbox ready", { bwrap: base.bwrapVersion, separateUids: base.separateUids, memoryCgroup: base.memoryCgroup ?? "none (per-process limits only)" });
  if (status.warning) log?.warn(status.warning);
  return status;
}

/** A sandboxed launch plus the uid lease behind it; call `release` after the process group was killed. */
export interface SandboxedLaunch {
  launch: Launch;
  /** Kills whatever still runs as the agent's uid and frees the uid. Resolves with the number of processes it had to kill. */
  release(): Promise<number>;
  uid: number | null;
  /** The agent's memory cgroup, when the host has one for us (peak memory, OOM kills). */
  cgroup: AgentCgroup | null;
  /**
   * True when the process could not join its memory cgroup and stopped before the agent
   * started: the platform's failure, not the agent's. Read it before `release`. Unlike the line
   * the process also writes to stderr, an agent cannot fake it (see flagFolder).
   */
  joinFailed(): boolean;
  /**
   * True when the chain (prlimit, setpriv, bwrap) ended on its own before the agent's program
   * was started: a missing or unreachable mount source, a failed exec, a limit that could not
   * be set. The platform's failure, not the agent's. Read it before `release`.
   */
  launchFailed(): boolean;
}

let flagDir: string | null = null;

/**
 * Where the sandbox's shell leaves what it learnt about a launch (bwrap's status, the flags
 * of a failed cgroup join or launch): a folder of the platform's own in the host's temp
 * folder, with an unpredictable name (mkdtemp), mode 0700. Agents never see it: each runs in
 * bubblewrap with a private /tmp (and, as root, under another uid), the flags are written by
 * the shell outside the sandbox, and bwrap closes its status fd before the agent starts. The
 * folder is checked before every launch (a temp cleaner may have removed it, someone may have
 * replaced it) and made anew when it is not ours any more; it is removed when the process exits.
 */
function flagFolder(): string {
  if (!flagDir || !isPrivateFolder(flagDir)) {
    flagDir = mkdtempSync(join(tmpdir(), "rl-arena-launches-"));
    const dir = flagDir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return flagDir;
}

/** A real folder (not a link) owned by this process's user that nobody else may enter. */
function isPrivateFolder(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** Builds the command that runs `cmd` in the sandbox. Requires initSandbox to have found a working bwrap. */
export async function sandboxLaunch(cmd: SandboxCommand): Promise<SandboxedLaunch> {
  if (!tools || status.mode !== "bwrap") throw new Error(`the sandbox is not available (mode ${status.mode})`);
  const lease: UidLease | null = status.separateUids ? await leaseUid() : null;
  const l = cmd.limits;
  const limitArgs = [
    `--data=${l.memoryBytes}:${l.memoryBytes}`,
    `--cpu=${l.cpuSeconds}:${l.cpuSeconds + 1}`,
    `--nproc=${l.processes}:${l.processes}`,
    `--nofile=${l.openFiles}:${l.openFiles}`,
    `--fsize=${l.fileSizeBytes}:${l.fileSizeBytes}`,
    "--core=0:0",
  ];
  const user = lease && tools.setpriv ? [tools.setpriv, `--reuid=${lease.uid}`, `--regid=${lease.uid}`, "--clear-groups", "--"] : [];
  const chain = [tools.prlimit, ...limitArgs, "--", ...user, tools.bwrap, ...bwrapArgs(cmd, l, tools.sh !== null), "--", cmd.command, ...cmd.args];
  let cgroup: AgentCgroup | null = null;
  try {
    if (cgroups && tools.sh) cgroup = createAgentCgroup(cgroups, agentMemoryBytes(l));
  } catch (error) {
    await lease?.release();
    throw new Error(`could not create the agent's memory cgroup under ${cgroups!.base}: ${(error as Error).message}`);
  }
  // `sh -c script procs flags prlimit …`: the shell joins the cgroup ($0, empty without one),
  // then runs the chain ("$@" after the shift) with bwrap's status on fd 3. bwrap writes
  // "exit-code" there only when the agent's program was exec'd; when the chain exits on its
  // own (not killed: status below 128) without it, the launch failed before any agent code
  // ran, and the shell leaves the launch flag. A failed join leaves the join flag. play()
  // reads the flags (the platform's failure, not the agent's); the lines on stderr are for
  // the agent's log. Without sh (never seen on Linux) the chain runs bare, unflagged.
  const flags = tools.sh ? join(flagFolder(), randomBytes(12).toString("hex")) : null;
  const [command, ...args] = flags ? [tools.sh!, "-c", LAUNCH_SCRIPT, cgroup?.procsFile ?? "", flags, ...chain] : chain;
  const flagged = (suffix: string) => flags !== null && existsSync(flags + suffix);
  return {
    launch: { command: command!, args, env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } },
    async release() {
      try {
        return lease ? await lease.release() : 0;
      } finally {
        if (flags) for (const suffix of [".status", ".join-failed", ".launch-failed"]) rmSync(flags + suffix, { force: true });
        await cgroup?.remove();
      }
    },
    uid: lease?.uid ?? null,
    cgroup,
    joinFailed: () => flagged(".join-failed"),
    launchFailed: () => flagged(".launch-failed"),
  };
}

/** What an agent's log says when its process could not join its memory cgroup (for people: play() reads joinFailed()). */
export const CGROUP_JOIN_FAILED = "rl-arena sandbox: could not join the agent's memory cgroup";

/** What an agent's log says when its sandbox could not start it (for people: play() reads launchFailed()). */
export const LAUNCH_FAILED = "rl-arena sandbox: the sandbox could not start the agent (see the lines above)";

const LAUNCH_SCRIPT = `f=$1; shift
if [ -n "$0" ]; then echo $$ > "$0" || { echo "${CGROUP_JOIN_FAILED}" >&2; : > "$f.join-failed"; exit 125; }; fi
"$@" 3> "$f.status"; rc=$?
if [ $rc -lt 128 ]; then
  ran=; while IFS= read -r l || [ -n "$l" ]; do case $l in *'"exit-code"'*) ran=1;; esac; done < "$f.status"
  [ -n "$ran" ] || { : > "$f.launch-failed"; echo "${LAUNCH_FAILED}" >&2; }
fi
exit $rc`;

/** Page cache for the runtime's own files (interpreter, libraries) that the cgroup also counts. */
const RUNTIME_SLACK_BYTES = 64 * 1024 * 1024;

/**
 * The memory cgroup's limit: one process's memory limit, plus the agent's /tmp and /dev/shm
 * (tmpfs pages are charged to it) and the runtime's file pages. So a single process still
 * stops at RLIMIT_DATA first, with its language's own out-of-memory error, instead of
 * thrashing at the cgroup limit; an agent that spreads its memory over several processes is
 * stopped by the kernel's OOM killer at this total.
 */
export function agentMemoryBytes(l: SandboxLimits): number {
  return l.memoryBytes + l.tmpBytes + SHM_BYTES + RUNTIME_SLACK_BYTES;
}

function bwrapArgs(cmd: SandboxCommand, l: SandboxLimits, statusFd: boolean): string[] {
  const a = [
    "--unshare-all", "--unshare-user", "--disable-userns",
    "--die-with-parent", "--new-session", "--as-pid-1",
    // fd 3 is opened by the launch shell (LAUNCH_SCRIPT); bwrap closes it before the agent starts.
    ...(statusFd ? ["--json-status-fd", "3"] : []),
    "--uid", String(INSIDE_UID), "--gid", String(INSIDE_UID),
    "--hostname", "rl-arena-agent",
    "--cap-drop", "ALL",
    "--proc", "/proc",
    "--dev", "/dev",
    // Writable memory-backed space is only what we size here: /tmp and a small /dev/shm.
    "--size", String(l.tmpBytes), "--tmpfs", "/tmp",
    "--size", String(SHM_BYTES), "--tmpfs", "/dev/shm",
    ...systemMounts(),
  ];
  if (cmd.codeDir) a.push("--ro-bind", cmd.codeDir, "/agent", "--chdir", "/agent");
  else a.push("--chdir", "/tmp");
  for (const b of cmd.binds ?? []) a.push("--ro-bind", b.source, b.target);
  // bwrap's root and /dev are tmpfs without a size limit: read-only once everything is mounted.
  a.push("--remount-ro", "/dev", "--remount-ro", "/");
  a.push("--clearenv");
  const env = { PATH: SANDBOX_PATH, HOME: "/tmp", TMPDIR: "/tmp", LANG: "C.UTF-8", ...cmd.env };
  for (const [k, v] of Object.entries(env)) a.push("--setenv", k, v);
  return a;
}

let mounts: string[] | null = null;

/** /usr read-only, the merged-/usr symlinks as symlinks, and the node binary's prefix when it lives elsewhere. */
function systemMounts(): string[] {
  if (mounts) return mounts;
  const m: string[] = [];
  for (const p of SYSTEM_PATHS) {
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) m.push("--symlink", readlinkSync(p), p);
      else if (st.isDirectory()) m.push("--ro-bind", p, p);
    } catch {
      // not on this system
    }
  }
  const node = realpathSync(process.execPath);
  if (!node.startsWith("/usr/")) {
    const prefix = dirname(dirname(node));
    m.push("--ro-bind", prefix, prefix);
  }
  mounts = m;
  return m;
}

function findTool(name: string): string | null {
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]) {
    const p = `${dir}/${name}`;
    if (existsSync(p)) return p;
  }
  return null;
}

/** Runs /usr/bin/true through the whole chain; returns a reason when it fails. */
async function probe(): Promise<string | null> {
  const truePath = existsSync("/usr/bin/true") ? "/usr/bin/true" : "/bin/true";
  status = { ...status, mode: "bwrap" }; // sandboxLaunch checks the mode
  let launched: SandboxedLaunch;
  try {
    launched = await sandboxLaunch({ command: truePath, args: [], limits: DEFAULT_SANDBOX_LIMITS });
  } catch (e) {
    return (e as Error).message;
  } finally {
    status = { ...status, mode: "unavailable" };
  }
  try {
    const r = spawnSync(launched.launch.command, launched.launch.args, { env: launched.launch.env, encoding: "utf8", timeout: 10_000 });
    if (r.error) return `running bwrap failed: ${r.error.message}`;
    if (r.status !== 0) return `bwrap exited with ${r.status ?? r.signal}: ${r.stderr.trim().slice(0, 300)} (are unprivileged user namespaces disabled? see /proc/sys/kernel/unprivileged_userns_clone and /proc/sys/user/max_user_namespaces)`;
    return null;
  } finally {
    await launched.release();
  }
}
