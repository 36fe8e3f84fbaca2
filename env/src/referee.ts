/**
 * The referee: runs one match between agent processes over the protocol of SPEC §2.
 *
 * 1. Makes the environment, spawns every agent in its own process group, sends init and waits
 *    for {"ready":true} within the init timeout.
 * 2. Each step, sends the observation to every active player at once and waits for their
 *    answers: the step limit is free, time beyond it is drawn from that agent's bank, and an
 *    agent with no answer at step limit + bank + kill grace is abandoned.
 * 3. Faults (timeout, crash, protocol error, invalid action) end the match: the faulting agent
 *    loses; if every player faults on the same step it is a draw.
 * 4. Sends the end message, gives agents a moment to exit, then SIGKILLs every process group —
 *    on every path, including errors and aborts.
 * It knows nothing of databases; a failure of the platform (not of an agent) is thrown.
 */
import { logWithin, storableText } from "./agent_text.ts";
import { InvalidActionError } from "./errors.ts";
import { AgentProcess, type Answer } from "./process.ts";
import { agentSeed, encodeMessage, parseActionLine, parseReadyLine, preview, ProtocolViolation } from "./protocol.ts";
import { startRecording } from "./referee_env.ts";
import type { SeatTiming } from "./replay.ts";
import {
  DEFAULT_LIMITS,
  type AgentSpec,
  type EndReason,
  type LaunchSpec,
  type MatchLimits,
  type MatchOutcome,
  type MatchResult,
  type PlayerStats,
  type RunMatchOptions,
} from "./referee_types.ts";

export * from "./referee_types.ts";

interface Fault {
  player: number;
  reason: Exclude<EndReason, "completed">;
  detail: string;
}

/** Variables an agent gets even though the platform's environment is not inherited. */
const BASE_ENV_KEYS = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"];

/** Runs one match; see the module comment. Rejects only for platform failures or an abort. */
export async function runMatch(options: RunMatchOptions): Promise<MatchResult> {
  const limits = resolveLimits(options.limits);
  const started = performance.now();
  const recording = startRecording(options.env, options.seed, options.agents);
  const env = recording.env;
  if (options.agents.length !== env.numPlayers) {
    throw new Error(`${env.id} needs ${env.numPlayers} agents, got ${options.agents.length}`);
  }
  const n = env.numPlayers;
  const procs: AgentProcess[] = [];
  const bank = new Array<number>(n).fill(limits.timeBankMs);
  const stats: PlayerStats[] = Array.from({ length: n }, () => ({ answers: 0, mean_ms: 0, max_ms: 0, init_ms: null, bank_left_ms: limits.timeBankMs }));
  const totalMs = new Array<number>(n).fill(0);
  const scores = new Array<number>(n).fill(0);
  let step = 0;
  let loopStarted = 0;
  let outcome: MatchOutcome | null = null;
  let finalFaults: Fault[] = [];
  const survivors: number[] = [];
  const timing: SeatTiming[] = Array.from({ length: n }, () => ({ init_ms: null, init_lines: 0, ms: [], bank_ms: [], lines: [] }));
  const abort = abortPromise(options.signal);

  try {
    options.signal?.throwIfAborted();
    for (let p = 0; p < n; p++) {
      const launch = await launchFor(options, p);
      procs.push(new AgentProcess(
        { command: launch.command, args: launch.args, cwd: launch.cwd, env: launch.env ?? {} },
        { stderrCapBytes: limits.stderrCapBytes, maxLineBytes: limits.maxLineBytes },
      ));
    }
    const startErrors = await Promise.all(procs.map((p) => p.started));
    const failed = startErrors.findIndex((e) => e !== null);
    if (failed !== -1) throw new Error(`could not start agent ${failed} (${options.agents[failed]!.name}): ${startErrors[failed]!.message}`);

    // 1. init
    const initAnswers = await race(abort, Promise.all(procs.map((proc, p) => proc.ask(encodeMessage({
      type: "init",
      protocol: 1,
      player: p,
      env: {
        id: env.id,
        version: env.version,
        config: env.config,
        num_players: n,
        action_space: env.actionSpace.toJSON(),
        observation_space: env.observationSpace.toJSON(),
      },
      seed: agentSeed(options.seed, p),
      limits: { init_timeout_s: limits.initTimeoutMs / 1000, step_timeout_s: limits.stepTimeoutMs / 1000, time_bank_s: limits.timeBankMs / 1000 },
    }), limits.initTimeoutMs))));
    let faults: Fault[] = [];
    for (let p = 0; p < n; p++) {
      const answer = initAnswers[p]!;
      const judged = judgeAnswer(answer, p, "init", limits.initTimeoutMs, Infinity, parseReadyLine);
      if ("fault" in judged) faults.push(judged.fault);
      else stats[p]!.init_ms = timing[p]!.init_ms = round(answer.elapsedMs);
      timing[p]!.init_lines = procs[p]!.stderrLines;
    }

    // 2. steps
    let { observations, info } = recording.reset;
    const maxSteps = typeof env.config.max_steps === "number" ? env.config.max_steps : null;
    loopStarted = performance.now();
    while (faults.length === 0) {
      faults = strayOutput(procs);
      if (faults.length) break;
      const active = env.activePlayers();
      const asks: Promise<Answer>[] = [];
      for (const p of active) {
        const line = encodeMessage({ type: "step", step, observation: observations[p], info, remaining_overage_s: bank[p]! / 1000 });
        asks.push(procs[p]!.ask(line, limits.stepTimeoutMs + bank[p]! + limits.killGraceMs));
      }
      const answers = await race(abort, Promise.all(asks));
      // One turn of the event loop: stderr an agent wrote before its answer is read in the same
      // poll as the answer, possibly after it; the step's line count (timing) must include it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const actions: unknown[] = new Array(n).fill(null);
      for (let i = 0; i < active.length; i++) {
        const p = active[i]!;
        const answer = answers[i]!;
        const judged = judgeAnswer(answer, p, "step", limits.stepTimeoutMs, bank[p]!, parseActionLine, step);
        if ("fault" in judged) {
          faults.push(judged.fault);
          continue;
        }
        const action = judged.value;
        bank[p] = bank[p]! - Math.max(0, answer.elapsedMs - limits.stepTimeoutMs);
        stats[p]!.answers++;
        totalMs[p] = totalMs[p]! + answer.elapsedMs;
        if (answer.elapsedMs > stats[p]!.max_ms) stats[p]!.max_ms = answer.elapsedMs;
        options.onAnswer?.(p, answer.elapsedMs);
        if (!env.actionSpace.contains(action)) {
          faults.push({ player: p, reason: "invalid_action", detail: `step ${step}: action ${preview(JSON.stringify(action) ?? String(action), 80)} is not in the action space ${JSON.stringify(env.actionSpace.toJSON())}` });
        }
        actions[p] = action;
      }
      for (let p = 0; p < n; p++) {
        const asked = active.indexOf(p);
        timing[p]!.ms.push(asked === -1 ? null : round(answers[asked]!.elapsedMs));
        timing[p]!.bank_ms.push(round(Math.max(0, bank[p]!)));
        timing[p]!.lines.push(procs[p]!.stderrLines);
      }
      if (faults.length) break;
      let result;
      try {
        result = recording.step(actions);
      } catch (error) {
        if (error instanceof InvalidActionError) {
          faults.push({ player: error.player, reason: "invalid_action", detail: `step ${step}: ${error.message}` });
          break;
        }
        throw error;
      }
      step++;
      for (let p = 0; p < n; p++) scores[p] = scores[p]! + (result.rewards[p] ?? 0);
      observations = result.observations;
      info = result.info;
      options.onStep?.({ step, maxSteps, rewards: result.rewards });
      if (result.terminated || result.truncated || step >= limits.maxSteps) break;
    }

    finalFaults = faults.map((f) => ({ ...f, detail: faultDetail(f.detail) }));
    outcome = decide(finalFaults, scores, step);
  } finally {
    abort.dispose();
    const endings = procs.map(async (proc, p) => {
      if (outcome) {
        proc.tell(encodeMessage({ type: "end", result: { ...publicResult(outcome), you: p } }));
        proc.child.stdin?.end();
        await proc.waitExit(limits.endGraceMs);
      }
      if (!(await proc.killGroupAndWait())) survivors.push(p);
    });
    await Promise.all(endings);
  }

  for (let p = 0; p < n; p++) {
    stats[p]!.mean_ms = stats[p]!.answers ? round(totalMs[p]! / stats[p]!.answers) : 0;
    stats[p]!.max_ms = round(stats[p]!.max_ms);
    stats[p]!.bank_left_ms = round(bank[p]!);
  }
  // Each log fits the stderr cap with the referee's notes kept at its end; everything from an
  // agent (its stderr, the fault details quoting it) is storable text (agent_text.ts).
  const logs = procs.map((proc, p) => {
    let notes = "";
    if (survivors.includes(p)) notes += "[rl-arena referee] warning: some processes of this agent survived SIGKILL for 2 s\n";
    for (const fault of finalFaults.filter((f) => f.player === p)) notes += `[rl-arena referee] ${fault.reason}: ${fault.detail}\n`;
    return logWithin(proc.stderr(), notes, limits.stderrCapBytes, proc.stderrDroppedBytes > 0);
  });
  const replay = recording.finish(outcome!);
  replay.timing = { step_timeout_ms: limits.stepTimeoutMs, time_bank_ms: limits.timeBankMs, seats: timing };
  return {
    outcome: outcome!,
    replay,
    logs,
    stats: { players: stats, wall_ms: round(performance.now() - started), loop_ms: round(loopStarted ? performance.now() - loopStarted : 0) },
  };
}

/** Turns one answer into a fault, or the value `parse` read from a good line. */
function judgeAnswer<T>(answer: Answer, player: number, kind: string, limitMs: number, bankMs: number, parse: (line: string) => T, step?: number): { fault: Fault } | { value: T } {
  if (answer.kind === "line" && answer.elapsedMs <= limitMs + bankMs) {
    try {
      return { value: parse(answer.line) };
    } catch (error) {
      if (!(error instanceof ProtocolViolation)) throw error;
      return { fault: { player, reason: "protocol_error", detail: `${kind}${step === undefined ? "" : ` ${step}`}: ${error.message}` } };
    }
  }
  const what = step === undefined ? kind : `${kind} ${step}`;
  const budget = `the limit ${secs(limitMs)}${Number.isFinite(bankMs) ? ` + time bank ${secs(bankMs)}` : ""}`;
  switch (answer.kind) {
    case "timeout":
      return { fault: { player, reason: "timeout", detail: `${what}: no answer within ${secs(answer.elapsedMs)} (${budget}); killed` } };
    case "exit":
      return { fault: { player, reason: "crash", detail: `${what}: the agent ${answer.detail}` } };
    case "overflow":
      return { fault: { player, reason: "protocol_error", detail: `${what}: the agent ${answer.detail}` } };
    case "line":
      return { fault: { player, reason: "timeout", detail: `${what}: answered after ${secs(answer.elapsedMs)}, beyond ${budget}` } };
  }
}

/** A fault detail quotes the agent: storable, and short enough for the outcome and the log. */
function faultDetail(detail: string): string {
  return storableText(detail.length > MAX_FAULT_DETAIL ? detail.slice(0, MAX_FAULT_DETAIL) + "…" : detail); // after the cut: it may split a pair
}
const MAX_FAULT_DETAIL = 2000;

function secs(ms: number): string {
  return (ms / 1000).toFixed(3) + " s";
}

/** Agents that exited or wrote unrequested lines between requests. */
function strayOutput(procs: AgentProcess[]): Fault[] {
  const faults: Fault[] = [];
  procs.forEach((proc, p) => {
    if (proc.unexpected !== null) faults.push({ player: p, reason: "protocol_error", detail: `wrote a line nobody asked for: ${preview(proc.unexpected)}` });
    else if (proc.exited) faults.push({ player: p, reason: "crash", detail: `the agent ${proc.exitDetail} before the match ended` });
  });
  return faults;
}

/** Outcome from the faults of the last step (if any) and the reward sums. */
export function decide(faults: Fault[], scores: number[], totalSteps: number): MatchOutcome {
  const n = scores.length;
  if (faults.length === 0) {
    const best = Math.max(...scores);
    const leaders = scores.flatMap((s, p) => (s === best ? [p] : []));
    return { winner: leaders.length === 1 ? leaders[0]! : null, scores, end_reason: "completed", total_steps: totalSteps };
  }
  const faulted = [...new Set(faults.map((f) => f.player))].sort((a, b) => a - b);
  const clean = Array.from({ length: n }, (_, p) => p).filter((p) => !faulted.includes(p));
  let winner: number | null = null;
  if (clean.length === 1) winner = clean[0]!;
  else if (clean.length > 1) {
    const best = Math.max(...clean.map((p) => scores[p]!));
    const leaders = clean.filter((p) => scores[p] === best);
    winner = leaders.length === 1 ? leaders[0]! : null;
  }
  const first = faults.find((f) => f.player === faulted[0])!;
  return {
    winner,
    scores,
    end_reason: first.reason,
    faulted_player: first.player,
    faulted_players: faulted,
    fault_detail: faults.map((f) => `player ${f.player} ${f.reason}: ${f.detail}`).join("; "),
    total_steps: totalSteps,
  };
}

function publicResult(o: MatchOutcome) {
  return { winner: o.winner, scores: o.scores, end_reason: o.end_reason, total_steps: o.total_steps, ...(o.faulted_player !== undefined ? { faulted_player: o.faulted_player } : {}) };
}

function resolveLimits(partial: Partial<MatchLimits> | undefined): MatchLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial ?? {})) {
    if (!(key in DEFAULT_LIMITS)) throw new Error(`unknown match limit ${JSON.stringify(key)}; known: ${Object.keys(DEFAULT_LIMITS).join(", ")}`);
    if (value === undefined) continue;
    if (typeof value !== "number" || !(value >= 0)) throw new Error(`match limit ${key} must be a number ≥ 0, got ${JSON.stringify(value)}`);
    limits[key as keyof MatchLimits] = value;
  }
  return limits;
}

async function launchFor(options: RunMatchOptions, player: number): Promise<LaunchSpec & { env: Record<string, string> }> {
  const spec: AgentSpec = options.agents[player]!;
  if (!spec || typeof spec.command !== "string" || !Array.isArray(spec.args)) {
    throw new Error(`agent ${player} must be {name, command, args}, got ${JSON.stringify(spec)}`);
  }
  const base: Record<string, string> = {};
  for (const key of BASE_ENV_KEYS) if (process.env[key] !== undefined) base[key] = process.env[key]!;
  const own = { command: spec.command, args: spec.args, cwd: spec.cwd, env: { ...base, PYTHONUNBUFFERED: "1", ...spec.env } };
  if (!options.launch) return own;
  const wrapped = await options.launch(spec, player);
  return { command: wrapped.command, args: wrapped.args, cwd: wrapped.cwd ?? spec.cwd, env: wrapped.env ?? own.env };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** A promise that rejects when the signal aborts, plus a way to stop listening. */
function abortPromise(signal: AbortSignal | undefined): { promise: Promise<never>; active: boolean; dispose(): void } {
  if (!signal) return { promise: new Promise<never>(() => {}), active: false, dispose() {} };
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new Error("match aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, active: true, dispose: () => signal.removeEventListener("abort", onAbort) };
}

function race<T>(abort: { promise: Promise<never>; active: boolean }, work: Promise<T>): Promise<T> {
  return abort.active ? Promise.race([work, abort.promise]) : work;
}
