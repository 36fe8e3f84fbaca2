/**
 * The local executor: plays matches and validation matches as sandboxed processes on this
 * machine, at most `concurrency` at a time.
 *
 * 1. Each seat becomes a command: a built-in policy (our bundled runner), or an uploaded agent
 *    in its unpacked folder (unpacked from the database archive when this machine lacks it)
 *    run through our Node runner or Python launcher.
 * 2. rl-arena-env's referee spawns them through our launch hook, which wraps each command in
 *    the bubblewrap sandbox with the match's limits and a uid of its own.
 * 3. After the referee has killed every process group, each uid is swept for survivors and
 *    released; the replay is gzipped for finish_match.
 */
import { engineEvents } from "../engine_events.ts";
import { randomInt } from "node:crypto";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Sql } from "postgres";
import { runMatch, type AgentSpec, type LaunchSpec, type MatchResult } from "rl-arena-env";
import type { Logger } from "../../log.ts";
import { RUNTIME_MOUNT, prepareRuntime, runtimeInside, type AgentRuntime } from "./runtime.ts";
import { DEFAULT_SANDBOX_LIMITS, sandboxLaunch, sandboxStatus, type SandboxCommand, type SandboxedLaunch, type SandboxLimits } from "./sandbox.ts";
import { IntakeError } from "../../submissions/intake_errors.ts";
import { decodeCommand } from "../../submissions/agent_command.ts";
import { describeRuntimes, hostRuntimes, resolveProgram } from "../runtimes.ts";
import { Semaphore } from "../semaphore.ts";
import { uploadLimits } from "../../submissions/upload_limits.ts";
import { ensureUnpacked, inspectBuildArchive, submissionFolder, validationOpponent } from "../submission_files.ts";
import { PlatformError, type BuildResult, type BuildSpec, type Executor, type MatchRunResult, type MatchSpec, type RunContext, type SeatSpec } from "../types.ts";

export interface LocalExecutorOptions {
  dataDir: string;
  sql: Sql;
  log: Logger;
  /** Matches (and validation matches) played at once. */
  concurrency: number;
  /** Python interpreter for Python agents; it must live under /usr to be visible in the sandbox. */
  python?: string;
}

export function createLocalExecutor(options: LocalExecutorOptions): Executor {
  const slots = new Semaphore(options.concurrency);
  const running = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => {});
    return p;
  };
  return {
    kind: "local",
    runMatch: (spec, ctx = {}) => track((async () => {
      const folders = await Promise.all(spec.seats.map((s) => (s.language === "builtin" ? null : submissionFolder(options.sql, options.dataDir, s.submissionId))));
      const release = await slots.acquire(ctx.signal);
      try {
        return await play(options, spec, folders, ctx);
      } finally {
        release();
      }
    })()),
    build: (spec, ctx = {}) => track(build(options, slots, spec, ctx)),
    async close() {
      await Promise.allSettled([...running]);
    },
  };
}

/** What an agent's memory cgroup reported after its match. */
interface AgentMemory {
  oomKills: number;
  limitBytes: number;
  peakBytes: number | null;
}

/**
 * A process the kernel's OOM killer ends dies of SIGKILL, which alone reads like any crash.
 * When an agent's memory cgroup counted OOM kills, its log and the fault detail say that the
 * memory limit was reached. The outcome itself (who won, why) stays the referee's.
 */
function explainMemoryKills(result: MatchResult, memory: Array<AgentMemory | null>): void {
  memory.forEach((m, player) => {
    if (!m || m.oomKills <= 0) return;
    const { oomKills: kills, limitBytes } = m;
    const note = `the memory limit of all this agent's processes together (${Math.round(limitBytes / 2 ** 20)} MB) was reached: the kernel killed ${kills} of its processes`;
    result.logs[player] = `${result.logs[player] ?? ""}${result.logs[player]?.endsWith("\n") || !result.logs[player] ? "" : "\n"}[rl-arena] ${note}\n`;
    if (result.outcome.faulted_players?.includes(player)) {
      result.outcome.fault_detail = `${result.outcome.fault_detail ? `${result.outcome.fault_detail}; ` : ""}player ${player}: ${note}`;
    }
  });
}

export interface PlayOptions extends Pick<LocalExecutorOptions, "dataDir" | "log" | "python"> {
  /** Wraps each seat's command in the sandbox: sandboxLaunch, which tests wrap to inject a real failure. */
  launcher?: (cmd: SandboxCommand) => Promise<SandboxedLaunch>;
}

/** Plays one match between the seats; `folders[p]` is the unpacked code of uploaded seats. */
export async function play(options: PlayOptions, spec: MatchSpec, folders: Array<string | null>, ctx: RunContext = {}): Promise<MatchRunResult> {
  const sandbox = sandboxStatus();
  const uploaded = spec.seats.filter((s) => s.language !== "builtin");
  if (uploaded.length && !sandbox.uploadedCodeAllowed) {
    throw new PlatformError(`uploaded agents cannot run here: ${sandbox.warning ?? "no working sandbox"}`);
  }
  const runtime = await prepareRuntime(options.dataDir);
  const limits = sandboxLimits(spec);
  const commands = spec.seats.map((seat, p) => seatCommand(seat, folders[p] ?? null, runtime, limits, options.python));
  const agents: AgentSpec[] = spec.seats.map((seat, p) => ({
    name: seat.name,
    ...commands[p]!.plain,
    agent_id: seat.agentId,
    submission_id: seat.submissionId || null,
    version: String(seat.version),
  }));
  const sandboxed: Array<SandboxedLaunch | null> = spec.seats.map(() => null);
  const launch = async (_spec: AgentSpec, player: number): Promise<LaunchSpec> => {
    if (sandbox.mode !== "bwrap") return commands[player]!.plain;
    sandboxed[player] = await (options.launcher ?? sandboxLaunch)(commands[player]!.sandboxed);
    return sandboxed[player]!.launch;
  };
  let memory: Array<AgentMemory | null> = []; // per seat; null where the agent had no memory cgroup
  let unjoined = -1; // a seat whose process could not join its memory cgroup
  let unlaunched = -1; // a seat whose sandbox ended before the agent's program started
  let result: MatchResult;
  let leftoverProcesses = 0;
  try {
    result = await runMatch({
      env: { id: spec.environment.id, config: spec.environment.config },
      agents,
      seed: spec.seed,
      limits: {
        initTimeoutMs: spec.settings.initTimeoutS * 1000,
        stepTimeoutMs: spec.settings.stepTimeoutS * 1000,
        timeBankMs: spec.settings.timeBankS * 1000,
        stderrCapBytes: spec.settings.logCapBytes,
        ...(spec.maxSteps ? { maxSteps: spec.maxSteps } : {}),
      },
      launch,
      signal: ctx.signal,
      onStep: ctx.onStep ? (p) => ctx.onStep!(p.step) : undefined,
      onAnswer: (_player, ms) => engineEvents.emit("agent.step", { environment: spec.environment.id, ms }),
    });
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    throw new PlatformError(`the referee failed: ${(error as Error).message}`, { cause: error });
  } finally {
    // read before release removes the cgroups and the join flags
    memory = sandboxed.map((s) => s?.cgroup ?? null).map((g) => (g ? { oomKills: g.oomKills() ?? 0, limitBytes: g.limitBytes, peakBytes: g.peakBytes() } : null));
    unjoined = sandboxed.findIndex((s) => s?.joinFailed());
    unlaunched = sandboxed.findIndex((s) => s?.launchFailed());
    const launched = sandboxed.filter((s): s is SandboxedLaunch => s !== null);
    const killed = await Promise.all(launched.map((s) => s.release().catch((e: Error) => {
      options.log.error("could not clean up an agent's sandbox (its uid or its memory cgroup)", { error: e });
      return 0;
    })));
    leftoverProcesses = killed.reduce((a, b) => a + b, 0);
  }
  if (leftoverProcesses > 0) options.log.warn("agent processes survived the referee's kill and were killed by uid", { leftoverProcesses });
  if (unjoined >= 0) throw new PlatformError(`seat ${unjoined}'s process could not join its memory cgroup; the match is not the agents' fault`);
  if (unlaunched >= 0) {
    // The agent never ran, so its log holds only what bwrap (or prlimit, setpriv) said.
    const said = (result.logs[unlaunched] ?? "").split("\n").filter((l) => l && !l.startsWith("[rl-arena") && !l.startsWith("rl-arena sandbox:")).join("; ");
    throw new PlatformError(`seat ${unlaunched}'s sandbox could not start the agent, before any of its code ran (${said.slice(0, 300) || "no message"}); the match is not the agents' fault`);
  }
  explainMemoryKills(result, memory);
  for (const m of memory) {
    if (m) engineEvents.emit("agent.memory", { environment: spec.environment.id, peakBytes: m.peakBytes, oomKills: m.oomKills });
  }
  return {
    outcome: result.outcome,
    replayGzip: gzipSync(JSON.stringify(result.replay)),
    logs: result.logs,
    stats: {
      wallMs: result.stats.wall_ms,
      loopMs: result.stats.loop_ms,
      meanStepMs: result.stats.players.map((p) => p.mean_ms),
      maxStepMs: result.stats.players.map((p) => p.max_ms),
    },
    leftoverProcesses,
  };
}

/** Sandbox limits from the match settings. CPU time is a backstop above every wall-clock limit the referee applies. */
export function sandboxLimits(spec: MatchSpec): SandboxLimits {
  const s = spec.settings;
  const configured = spec.environment.config.max_steps;
  const steps = spec.maxSteps ?? (typeof configured === "number" ? configured : 10_000);
  return {
    ...DEFAULT_SANDBOX_LIMITS,
    memoryBytes: Math.round(s.memoryMb * 1024 * 1024),
    processes: Math.max(8, Math.round(s.maxProcesses)),
    cpuSeconds: Math.min(4 * 3600, Math.ceil(s.initTimeoutS + s.timeBankS + s.stepTimeoutS * steps) + 5),
  };
}

interface SeatCommand {
  /** The same agent without a sandbox (host paths): used for built-ins when no sandbox exists, and with SANDBOX=none. */
  plain: LaunchSpec;
  sandboxed: SandboxCommand;
}

function seatCommand(seat: SeatSpec, folder: string | null, runtime: AgentRuntime, limits: SandboxLimits, python = defaultPython()): SeatCommand {
  const inside = runtimeInside();
  const node = realpathSync(process.execPath);
  const runtimeBind = { source: runtime.dir, target: RUNTIME_MOUNT };
  if (seat.language === "builtin") {
    return {
      plain: { command: process.execPath, args: [runtime.builtinRunner, seat.entry] },
      sandboxed: { command: node, args: [inside.builtinRunner, seat.entry], binds: [runtimeBind], limits },
    };
  }
  if (!folder) throw new PlatformError(`seat ${seat.name} has no unpacked code`);
  if (seat.language === "stdio") return stdioCommand(seat, folder, limits);
  if (seat.language === "node") {
    const heap = `--max-old-space-size=${Math.max(32, Math.floor((limits.memoryBytes / 1024 / 1024) * 0.75))}`;
    return {
      plain: { command: process.execPath, args: [heap, runtime.nodeRunner, join(folder, seat.entry)], cwd: folder },
      sandboxed: {
        command: node,
        args: [heap, inside.nodeRunner, `/agent/${seat.entry}`],
        codeDir: folder,
        binds: [runtimeBind, { source: runtime.nodeModules, target: "/node_modules" }],
        limits,
      },
    };
  }
  return {
    plain: { command: python, args: ["-u", "-B", runtime.pythonLauncher, join(folder, seat.entry)], cwd: folder },
    sandboxed: {
      command: python,
      args: ["-I", "-u", "-B", inside.pythonLauncher, `/agent/${seat.entry}`],
      codeDir: folder,
      binds: [runtimeBind],
      env: { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
      limits,
    },
  };
}

/**
 * A program that speaks the protocol itself runs as is: its command, in the sandbox, with no
 * runner or launcher and nothing of ours mounted. Only hints go in its environment (unbuffered
 * Python, a Node heap below the memory limit), which a program may ignore.
 */
function stdioCommand(seat: SeatSpec, folder: string, limits: SandboxLimits): SeatCommand {
  const argv = decodeCommand(seat.entry);
  let program: string;
  try {
    program = resolveProgram(argv, hostRuntimes(), folder);
  } catch (e) {
    // It built here or elsewhere with this interpreter: the machine changed, not the agent.
    throw new PlatformError(`seat ${seat.name}'s command ${seat.entry} cannot run on this machine: ${(e as Error).message}`);
  }
  const heapMb = Math.max(32, Math.floor((limits.memoryBytes / 1024 / 1024) * 0.75));
  const env = { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1", NODE_OPTIONS: `--max-old-space-size=${heapMb}` };
  const onHost = program.startsWith("/agent/") ? join(folder, program.slice("/agent/".length)) : program;
  return {
    plain: { command: onHost, args: argv.slice(1), cwd: folder, env },
    sandboxed: { command: program, args: argv.slice(1), codeDir: folder, env, limits },
  };
}

function defaultPython(): string {
  const configured = process.env.RL_ARENA_PYTHON;
  if (configured && configured.startsWith("/usr/")) return configured;
  return "/usr/bin/python3";
}

/**
 * Builds a submission locally: checks and unpacks the archive, then plays a short validation
 * match against a built-in opponent in the sandbox. An agent at fault fails the build, with
 * the reason and its stderr in the log; a platform problem throws (the job is retried).
 */
async function build(options: LocalExecutorOptions, slots: Semaphore, spec: BuildSpec, ctx: RunContext): Promise<BuildResult> {
  const limits = await uploadLimits(options.sql);
  const inspected = await inspectBuildArchive(spec, limits);
  if ("refused" in inspected) return inspected.refused;
  const { summary, lines } = inspected;
  const status = sandboxStatus();
  if (!status.uploadedCodeAllowed) {
    const error = `this platform cannot run uploaded code: ${status.warning ?? "no working sandbox"}`;
    return { ok: false, language: summary.language, entry: summary.entry, error, log: lines.concat(error).join("\n") + "\n" };
  }
  const { dir } = await ensureUnpacked(options.dataDir, spec.submissionId, spec.archive, spec.archiveName, limits);
  if (summary.language === "stdio") {
    const refused = checkStdioCommand(summary.entry, summary.dockerfile, dir, lines);
    if (refused) return { ok: false, language: summary.language, entry: summary.entry, error: refused, log: lines.concat(refused).join("\n") + "\n" };
  }
  const opponent = validationOpponent(spec.environment.id);
  if (!opponent) throw new PlatformError(`environment ${spec.environment.id} has no built-in agent to validate against`);
  const match: MatchSpec = {
    matchId: `validation-${spec.submissionId}`,
    environment: spec.environment,
    seed: randomInt(0, 2 ** 31),
    settings: { ...spec.settings, timeBankS: Math.min(spec.settings.timeBankS, 10) },
    seats: [
      { agentId: spec.agentId, name: "submission", submissionId: spec.submissionId, version: 0, language: summary.language, entry: summary.entry },
      { agentId: "", name: `builtin:${opponent}`, submissionId: "", version: 0, language: "builtin", entry: opponent },
    ],
    maxSteps: spec.validationSteps,
  };
  const release = await slots.acquire(ctx.signal);
  let result: MatchRunResult;
  try {
    result = await play(options, match, [dir, null], ctx);
  } finally {
    release();
  }
  const o = result.outcome;
  const agentFaulted = (o.faulted_players ?? []).includes(0);
  const where = `${spec.environment.id}, up to ${spec.validationSteps} steps against builtin:${opponent}, ${status.mode === "bwrap" ? "in the sandbox" : "WITHOUT a sandbox (SANDBOX=none)"}`;
  lines.push(agentFaulted
    ? `validation match (${where}): FAILED at step ${o.total_steps} — ${o.end_reason}: ${o.fault_detail ?? ""}`
    : `validation match (${where}): passed, ${o.total_steps} steps, mean answer ${result.stats.meanStepMs[0]} ms`);
  const stderr = result.logs[0] ?? "";
  lines.push(stderr ? `--- agent stderr ---\n${stderr.trimEnd()}` : "--- agent stderr: (empty) ---");
  const log = lines.join("\n") + "\n";
  if (agentFaulted) {
    return { ok: false, language: summary.language, entry: summary.entry, log, error: `the validation match failed: ${o.end_reason} at step ${o.total_steps}${o.fault_detail ? ` (${firstFault(o.fault_detail)})` : ""}` };
  }
  return { ok: true, language: summary.language, entry: summary.entry, log };
}

/**
 * A stdio agent's command must name one of this machine's interpreters or a file of its
 * archive that stays inside it. An archive with its own Dockerfile asks for an image, which
 * only Kubernetes builds: running it with the host's interpreters instead (without what the
 * Dockerfile installs) would fail later and less clearly. Returns the reason the build fails,
 * or null (with log lines).
 */
function checkStdioCommand(entry: string, dockerfile: boolean, dir: string, lines: string[]): string | null {
  const runtimes = hostRuntimes();
  if (dockerfile) {
    return `the archive has a Dockerfile, which only the Kubernetes executor builds (EXECUTOR=kubernetes); this platform's local executor runs only this machine's interpreters: ${describeRuntimes(runtimes)}. Leave the Dockerfile out to run the command with one of them`;
  }
  try {
    lines.push(`command ${entry} runs ${resolveProgram(decodeCommand(entry), runtimes, dir)} in the sandbox, as is`);
    return null;
  } catch (e) {
    if (e instanceof IntakeError) return e.message;
    throw e;
  }
}

function firstFault(detail: string): string {
  const one = detail.split("; ")[0] ?? detail;
  return one.length > 300 ? one.slice(0, 300) + "…" : one;
}
