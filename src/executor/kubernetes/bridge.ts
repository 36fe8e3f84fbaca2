/**
 * The bridge between the referee and an agent running in another container of the match pod.
 *
 * The agent container's shell opens three FIFOs in a shared emptyDir as the agent's stdin,
 * stdout and stderr (match_job.ts). On the referee's side one bridge process per seat
 * opens the other ends and joins them to its own stdio, so rl-arena-env's referee can spawn
 * the bridge exactly as it spawns a local agent process: what it writes reaches the agent's
 * stdin, the agent's stdout and stderr come back on the bridge's stdout and stderr, and the
 * bridge exits when the agent closes its stdout (it exited or crashed). Killing the bridge
 * closes the FIFOs, so the agent reads end-of-file and its writes fail.
 *
 * Only node: built-ins are imported, so the process starts quickly.
 */
import { closeSync, constants, open, openSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export interface BridgeOptions {
  /** Give up if the agent has not opened its pipes within this time (its container never started). */
  openTimeoutMs: number;
  /** stderr bytes passed on; the rest is read and dropped, so a flood costs the referee nothing. */
  stderrCapBytes: number;
}

export interface BridgeStdio {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** Exit codes of the bridge process. */
export const BRIDGE_EXIT = { agentClosed: 0, usage: 2, openTimeout: 3, openFailed: 4 } as const;

function openFd(path: string, flags: "r" | "w"): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))));
}

/**
 * Completes our pending blocking opens by opening the other end of each FIFO without
 * blocking (the counterpart's count is what a blocked open waits for), then closes those fds.
 */
function unblockOpens(dir: string): void {
  const ends: Array<[string, number]> = [
    ["in", constants.O_RDONLY | constants.O_NONBLOCK],
    ["out", constants.O_WRONLY | constants.O_NONBLOCK],
    ["err", constants.O_WRONLY | constants.O_NONBLOCK],
  ];
  for (const [name, flags] of ends) {
    try {
      const fd = openSync(join(dir, name), flags);
      setTimeout(() => closeSync(fd), 50).unref();
    } catch {
      // ENXIO: that open already completed or never started
    }
  }
}

/**
 * Joins `stdio` to the FIFOs in `dir` and resolves with the exit code once the agent has
 * closed its stdout (and its stderr has drained, up to half a second).
 */
export async function runBridge(dir: string, options: BridgeOptions, stdio: BridgeStdio): Promise<number> {
  // Opening a FIFO blocks until the other side opens it too: these three complete once the
  // agent's shell has run its redirections.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.openTimeoutMs);
  });
  let fds: number[];
  try {
    const opened = await Promise.race([
      Promise.all([openFd(join(dir, "in"), "w"), openFd(join(dir, "out"), "r"), openFd(join(dir, "err"), "r")]),
      timeout,
    ]);
    if (opened === "timeout") {
      stdio.stderr.write(`[rl-arena bridge] the agent did not open its pipes within ${options.openTimeoutMs} ms (its container did not start)\n`);
      // Our own opens still block threadpool threads, and Node joins those threads at exit.
      unblockOpens(dir);
      return BRIDGE_EXIT.openTimeout;
    }
    fds = opened;
  } catch (e) {
    stdio.stderr.write(`[rl-arena bridge] cannot open the agent's pipes in ${dir}: ${(e as Error).message}\n`);
    return BRIDGE_EXIT.openFailed;
  } finally {
    clearTimeout(timer);
  }

  const toAgent = new Socket({ fd: fds[0], readable: false, writable: true });
  const fromAgent = new Socket({ fd: fds[1], readable: true, writable: false });
  const agentErr = new Socket({ fd: fds[2], readable: true, writable: false });
  toAgent.on("error", () => {}); // EPIPE once the agent is gone: seen as its stdout closing
  stdio.stdin.pipe(toAgent);
  fromAgent.pipe(stdio.stdout, { end: false });

  let passed = 0;
  let dropped = 0;
  agentErr.on("data", (chunk: Buffer) => {
    const room = options.stderrCapBytes - passed;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      passed += part.length;
      stdio.stderr.write(part);
    }
    dropped += Math.max(0, chunk.length - Math.max(0, room));
  });
  const errDone = new Promise<void>((resolve) => {
    agentErr.on("end", resolve);
    agentErr.on("close", resolve);
    agentErr.on("error", () => resolve());
  });

  await new Promise<void>((resolve) => {
    fromAgent.on("end", resolve);
    fromAgent.on("close", resolve);
    fromAgent.on("error", () => resolve());
  });
  await Promise.race([errDone, new Promise((r) => setTimeout(r, 500).unref())]);
  if (dropped > 0) stdio.stderr.write(`\n[rl-arena bridge: ${dropped} more bytes of stderr dropped, the cap is ${options.stderrCapBytes}]\n`);
  stdio.stdin.unpipe(toAgent);
  toAgent.destroy();
  fromAgent.destroy();
  agentErr.destroy();
  return BRIDGE_EXIT.agentClosed;
}
