/**
 * The worker's boot check that sandboxed agents can reach what the sandbox mounts for them.
 *
 * As root, each agent's whole chain (prlimit, setpriv, bwrap) runs as a host uid of its own
 * (sandbox_uids.ts), with no groups. So bwrap can bind the agent runtime, the unpacked
 * submissions and node's install folder only when every folder above them lets "others"
 * through (o+x). A DATA_DIR made by `mktemp -d` is 0700: every launch then failed with
 * "bwrap: Can't find source path …: Permission denied". (With the embedded PostgreSQL the
 * folder happened to be opened up for user "postgres", which hid this; an external
 * DATABASE_URL showed it.)
 *
 * 1. A real probe: node, in the sandbox, reads the runtime and lists the submissions folder.
 * 2. When it fails, folders at or under DATA_DIR that this process owns get o+x (search only:
 *    others still cannot list them), and the probe runs again.
 * 3. When it still fails, boot stops with the folder that blocks and the command that fixes it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { Logger } from "../../log.ts";
import { RUNTIME_MOUNT, type AgentRuntime } from "./runtime.ts";
import { DEFAULT_SANDBOX_LIMITS, sandboxLaunch, sandboxStatus } from "./sandbox.ts";
import { uidRange } from "./sandbox_uids.ts";

export interface ReachInput {
  dataDir: string;
  runtime: AgentRuntime;
  /** Where submissions are unpacked (mounted at /agent); made 0755 when missing. */
  submissionsRoot: string;
  log: Logger;
}

/**
 * Resolves when sandboxed agents can reach their runtime and code (fixing the modes of our own
 * folders if needed); throws an Error naming the blocking folder and the fix otherwise. Does
 * nothing when agents run as the platform's own uid, or without the bwrap sandbox.
 */
export async function ensureAgentsCanReach(input: ReachInput): Promise<void> {
  const status = sandboxStatus();
  if (status.mode !== "bwrap" || !status.separateUids) return;
  mkdirSync(input.submissionsRoot, { recursive: true });
  chmodSync(input.submissionsRoot, 0o755);
  if ((await probe(input)) === null) return;

  const blocked = blockingFolders(input);
  const dataDir = resolve(input.dataDir);
  for (const d of blocked) {
    const st = statSync(d);
    if (!isAtOrUnder(d, dataDir) || st.uid !== process.getuid!()) continue;
    const mode = (st.mode & 0o7777) | 0o001;
    chmodSync(d, mode);
    input.log.info("made a folder passable for sandboxed agents (o+x: they may enter it, not list it)", { path: d, mode: mode.toString(8) });
  }
  const failure = await probe(input);
  if (failure === null) return;

  const { base, count } = uidRange();
  const still = blockingFolders(input);
  const who = `sandboxed agents run as host uids of their own (${base}–${base + count - 1}) with no groups`;
  if (still.length) {
    const d = still[0]!;
    throw new Error(`${who}, and they cannot enter ${d} (mode ${(statSync(d).mode & 0o777).toString(8)}, owner uid ${statSync(d).uid}), which is above what the sandbox mounts for them: run \`chmod o+x ${d}\`, or set DATA_DIR to a folder every user can pass through (e.g. /var/lib/rl-arena). bwrap said: ${failure}`);
  }
  throw new Error(`${who}, and the sandbox cannot mount their runtime (${input.runtime.dir}) and code (${input.submissionsRoot}) for them: ${failure}`);
}

/** Runs node in the sandbox, as an agent would be run; null when it could read everything, else what went wrong. */
async function probe(input: ReachInput): Promise<string | null> {
  const node = realpathSync(process.execPath);
  const script = `const fs = require("fs"); fs.readFileSync(${JSON.stringify(`${RUNTIME_MOUNT}/complete`)}); fs.readdirSync("/agent");`;
  const launched = await sandboxLaunch({
    command: node,
    args: ["-e", script],
    codeDir: input.submissionsRoot,
    binds: [{ source: input.runtime.dir, target: RUNTIME_MOUNT }],
    limits: DEFAULT_SANDBOX_LIMITS,
  });
  try {
    const r = spawnSync(launched.launch.command, launched.launch.args, { env: launched.launch.env, encoding: "utf8", timeout: 20_000 });
    if (r.error) return `running the probe failed: ${r.error.message}`;
    if (r.status === 0) return null;
    return r.stderr.split("\n").filter((l) => l && !l.startsWith("rl-arena sandbox:")).slice(0, 3).join("; ").slice(0, 300) || `exit ${r.status ?? r.signal}`;
  } finally {
    await launched.release();
  }
}

/** Folders above (or at) what the sandbox mounts that others cannot pass through (no o+x), outermost first. */
function blockingFolders(input: ReachInput): string[] {
  const node = realpathSync(process.execPath);
  const mounted = [input.runtime.dir, input.submissionsRoot, ...(node.startsWith("/usr/") ? [] : [dirname(dirname(node))])];
  const found = new Set<string>();
  for (const path of mounted) {
    const chain: string[] = [];
    for (let d = resolve(path); ; d = dirname(d)) {
      chain.unshift(d);
      if (dirname(d) === d) break;
    }
    for (const d of chain) if ((statSync(d).mode & 0o001) === 0) found.add(d);
  }
  return [...found];
}

function isAtOrUnder(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
