import { readdirSync, readFileSync } from "node:fs";

/** Pids of live processes whose command line contains `needle` (from /proc; Linux only). */
export function processesMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${name}/status`, "utf8"))?.[1];
      if (cmd.includes(needle) && state !== "Z") pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Resolves once `check` returns true, polling every 100 ms; rejects after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string | (() => string)): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "function" ? what() : what}`);
}
