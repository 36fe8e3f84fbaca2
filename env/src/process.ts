/**
 * One agent process seen from the referee: spawned in its own process group, asked one line
 * at a time, its stderr kept up to a cap, and the whole group SIGKILLed when we are done.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { decodeAgentBytes } from "./agent_text.ts";

export interface LaunchCommand {
  command: string;
  args: string[];
  cwd?: string;
  /** The complete environment of the process (nothing else is inherited). */
  env: Record<string, string>;
}

export interface AgentProcessOptions {
  /** Bytes of stderr kept; the rest is dropped and a truncation marker is appended. */
  stderrCapBytes: number;
  /** Longest stdout line accepted (without its newline). */
  maxLineBytes: number;
}

/** What came back for one request. `elapsedMs` is measured from the write to the answer. */
export type Answer =
  | { kind: "line"; line: string; elapsedMs: number }
  | { kind: "exit"; detail: string; elapsedMs: number }
  | { kind: "timeout"; elapsedMs: number }
  | { kind: "overflow"; detail: string; elapsedMs: number };

export class AgentProcess {
  readonly child: ChildProcess;
  /** Process group id (= pid of the leader), or undefined if the spawn failed. */
  readonly pgid: number | undefined;
  exited = false;
  exitDetail = "";
  /** Set when the process failed to start (e.g. the command does not exist). */
  spawnError: Error | null = null;
  /** Resolves once the process runs, or with the error that kept it from starting. */
  readonly started: Promise<Error | null>;
  /** A line or overflow seen while no request was pending: a protocol fault. */
  unexpected: string | null = null;

  private stderrChunks: Buffer[] = [];
  private stderrBytes = 0;
  private stderrDropped = 0;
  private stderrNewlines = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private pending: { resolve: (a: Answer) => void; started: number; timer: NodeJS.Timeout | null } | null = null;
  private overflowed = false;
  private exitWaiters: Array<() => void> = [];

  constructor(launch: LaunchCommand, private readonly options: AgentProcessOptions) {
    this.child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true, // its own process group, so one kill(-pgid) reaches every descendant
    });
    this.pgid = this.child.pid;
    this.started = new Promise((resolve) => {
      this.child.once("spawn", () => resolve(null));
      this.child.once("error", (error) => resolve(error));
    });
    this.child.on("error", (error) => {
      this.spawnError ??= error;
      this.onExit(`could not be started: ${error.message}`);
    });
    this.child.on("exit", (code, signal) => {
      this.onExit(signal ? `was killed by signal ${signal}` : `exited with code ${code}`);
    });
    this.child.stdin!.on("error", () => {}); // EPIPE when the agent is gone: seen as its exit
    this.child.stdout!.on("data", (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr!.on("data", (chunk: Buffer) => this.onStderr(chunk));
  }

  /**
   * Writes `line` and resolves with the agent's next stdout line, its exit, an overflow, or a
   * timeout after `timeoutMs` (the process is not killed here; the caller decides).
   */
  ask(line: string, timeoutMs: number): Promise<Answer> {
    if (this.pending) throw new Error("AgentProcess.ask called while an answer is pending");
    const started = performance.now();
    if (this.exited) return Promise.resolve({ kind: "exit", detail: this.exitDetail, elapsedMs: 0 });
    return new Promise<Answer>((resolve) => {
      const timer = setTimeout(() => this.settle({ kind: "timeout", elapsedMs: performance.now() - started }), timeoutMs);
      this.pending = { resolve, started, timer };
      this.child.stdin!.write(line);
    });
  }

  /** Writes a line without waiting for an answer (the end message). */
  tell(line: string): void {
    if (!this.exited && this.child.stdin!.writable) this.child.stdin!.write(line);
  }

  /** Resolves when the process has exited, or after `ms`, whichever comes first. */
  waitExit(ms: number): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** SIGKILLs the whole process group (safe to call more than once, and after exit). */
  killGroup(): void {
    if (this.pgid === undefined) return;
    try {
      process.kill(-this.pgid, "SIGKILL");
    } catch {
      // ESRCH: the group is already gone
    }
    this.child.stdin?.destroy();
  }

  /**
   * SIGKILLs the group and waits until none of its processes is still running (on Linux, by
   * reading /proc; zombies count as gone). Returns false if some survived `timeoutMs`.
   */
  async killGroupAndWait(timeoutMs = 2000): Promise<boolean> {
    this.killGroup();
    if (this.pgid === undefined || process.platform !== "linux") return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (groupMembers(this.pgid).length === 0) return true;
      if (performance.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
      this.killGroup();
    }
  }

  /**
   * The agent's stderr as kept so far (at most the cap in bytes), decoded so it can be stored:
   * invalid UTF-8 and NUL become U+FFFD. `stderrDroppedBytes` says whether the cap cut it.
   */
  stderr(): string {
    return decodeAgentBytes(Buffer.concat(this.stderrChunks));
  }

  /** Lines of stderr kept so far (newline bytes): where the log stood at a step, for the replay's timing. */
  get stderrLines(): number {
    return this.stderrNewlines;
  }

  /** Bytes of stderr beyond the cap, not kept. */
  get stderrDroppedBytes(): number {
    return this.stderrDropped;
  }

  private settle(answer: Answer): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    if (pending.timer) clearTimeout(pending.timer);
    pending.resolve(answer);
  }

  private onExit(detail: string): void {
    if (this.exited) return;
    this.exited = true;
    this.exitDetail = detail;
    if (this.pending) this.settle({ kind: "exit", detail, elapsedMs: performance.now() - this.pending.started });
    for (const w of this.exitWaiters.splice(0)) w();
  }

  private onStdout(chunk: Buffer): void {
    if (this.overflowed) return;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.partialBytes + piece.length > this.options.maxLineBytes) return this.overflow();
      let line: string;
      if (this.partialBytes > 0) {
        this.partial.push(piece);
        line = Buffer.concat(this.partial).toString("utf8");
        this.partial = [];
        this.partialBytes = 0;
      } else {
        line = piece.toString("utf8");
      }
      this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (this.overflowed) return;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.partialBytes + rest.length > this.options.maxLineBytes) return this.overflow();
      this.partial.push(Buffer.from(rest));
      this.partialBytes += rest.length;
    }
  }

  private onLine(line: string): void {
    if (this.pending) {
      this.settle({ kind: "line", line, elapsedMs: performance.now() - this.pending.started });
    } else if (this.unexpected === null) {
      // stdout carries only answers; an unrequested line is a fault, and we stop reading so a
      // flood of lines cannot grow memory.
      this.unexpected = line;
      this.stopReading();
    }
  }

  private overflow(): void {
    this.overflowed = true;
    this.partial = [];
    this.partialBytes = 0;
    this.stopReading();
    const detail = `wrote a stdout line longer than ${this.options.maxLineBytes} bytes`;
    if (this.pending) this.settle({ kind: "overflow", detail, elapsedMs: performance.now() - this.pending.started });
    else this.unexpected ??= `<${detail}>`;
  }

  private stopReading(): void {
    this.overflowed = true;
    this.child.stdout!.removeAllListeners("data");
    this.child.stdout!.resume(); // keep draining into nothing so the agent cannot block us
  }

  private onStderr(chunk: Buffer): void {
    const room = this.options.stderrCapBytes - this.stderrBytes;
    if (room <= 0) {
      this.stderrDropped += chunk.length;
      return;
    }
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.stderrChunks.push(Buffer.from(kept));
    this.stderrBytes += kept.length;
    for (let i = kept.indexOf(10); i !== -1; i = kept.indexOf(10, i + 1)) this.stderrNewlines++;
    this.stderrDropped += chunk.length - kept.length;
  }
}

/** Pids of the running (non-zombie) processes whose process group is `pgid`, from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync("/proc")) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command (which may contain spaces): state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(name));
  }
  return members;
}
