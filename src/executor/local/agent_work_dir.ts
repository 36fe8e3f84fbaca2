/**
 * Where the local executor keeps what sandboxed agents must reach: their runtime and their
 * unpacked code.
 *
 * As root, agents run as host uids of their own with no groups (sandbox_uids.ts), so every
 * folder above those must let "others" through. sandbox_reach.ts opens DATA_DIR and what is
 * under it, never the operator's folders above it. When DATA_DIR sits in a private folder
 * (a checkout in /root, `mktemp -d`), nothing under it can work; both are caches (the runtime
 * is rebuilt from the sources, submissions are unpacked again from the database), so they move
 * to a folder the platform makes for them, and the log says so.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SHARED_ROOT } from "../../db/embedded_placement.ts";
import type { Logger } from "../../log.ts";
import { sandboxStatus } from "./sandbox.ts";

/** DATA_DIR, or SHARED_ROOT/work-<hash of DATA_DIR> when sandboxed agents cannot pass the folders above it. */
export function agentWorkDir(dataDir: string, log: Logger): string {
  const status = sandboxStatus();
  if (status.mode !== "bwrap" || !status.separateUids) return dataDir;
  const absolute = resolve(dataDir);
  const blocked = closedAncestor(dirname(absolute));
  if (!blocked) return dataDir;
  const dir = join(SHARED_ROOT, `work-${createHash("sha256").update(absolute).digest("hex").slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  // Search only, for SHARED_ROOT and this folder: agents may pass through, not list.
  for (const d of [SHARED_ROOT, dir]) chmodSync(d, (statSync(d).mode & 0o7777) | 0o011);
  log.warn(`sandboxed agents cannot pass through ${blocked} (mode ${(statSync(blocked).mode & 0o777).toString(8)}), above DATA_DIR; their runtime and unpacked code live in ${dir}`);
  return dir;
}

/** The outermost folder at or above `dir` that others cannot search (no o+x), or null. */
function closedAncestor(dir: string): string | null {
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.unshift(d);
    if (dirname(d) === d) break;
  }
  return chain.find((d) => (statSync(d).mode & 0o001) === 0) ?? null;
}
