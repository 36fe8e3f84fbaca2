/**
 * Local reproduction of a recorded match (issue 14): one seat is played again by the user's
 * agent process on the same environment version, config and seed, while every step uses the
 * recorded actions of all seats — so the agent is fed exactly the observations it saw in the
 * match. The first step where it answers differently from the record is reported, else
 * "identical". Time limits are the referee's defaults (or the given ones), but a slow answer
 * is only a difference when it is no answer at all.
 */
import { getDefinition, make } from "./registry.ts";
import { AgentProcess, type Answer } from "./process.ts";
import { agentSeed, encodeMessage, parseActionLine, parseReadyLine, preview, ProtocolViolation } from "./protocol.ts";
import type { Replay } from "./replay.ts";
import { sameJson } from "./replay_compact.ts";
import { DEFAULT_LIMITS, type AgentSpec, type MatchLimits } from "./referee_types.ts";

export interface ReproduceOptions {
  /** The recorded match (a frame replay: loadReplay turns a compact one into that). */
  replay: Replay;
  /** The seat the agent plays. */
  seat: number;
  agent: AgentSpec;
  limits?: Partial<MatchLimits>;
}

export type ReproduceResult =
  | { identical: true; steps: number; asked: number }
  | { identical: false; step: number; recorded: unknown; answered: unknown; detail: string };

/** Plays `seat` again with `agent` against the record; see the module comment. */
export async function reproduceMatch(options: ReproduceOptions): Promise<ReproduceResult> {
  const { replay, seat } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { id, version, config } = replay.environment;
  const have = getDefinition(id).version;
  if (have !== version) throw new Error(`the match was played on ${id} ${version}; reproducing it needs exactly that version, and this rl-arena-env has ${id} ${have}`);
  if (replay.seed === null) throw new Error("the replay has no seed, so its environment cannot be reset the same way");
  const env = make(id, { config });
  if (!Number.isInteger(seat) || seat < 0 || seat >= env.numPlayers) throw new Error(`--seat must be 0-${env.numPlayers - 1}, got ${seat}`);
  const base: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"]) if (process.env[key] !== undefined) base[key] = process.env[key]!;
  const proc = new AgentProcess(
    { command: options.agent.command, args: options.agent.args, cwd: options.agent.cwd, env: { ...base, PYTHONUNBUFFERED: "1", ...options.agent.env } },
    { stderrCapBytes: limits.stderrCapBytes, maxLineBytes: limits.maxLineBytes },
  );
  try {
    const startError = await proc.started;
    if (startError) throw new Error(`could not start the agent (${options.agent.name}): ${startError.message}`);
    let { observations, info } = env.reset({ seed: replay.seed });
    const ready = await proc.ask(encodeMessage({
      type: "init",
      protocol: 1,
      player: seat,
      env: { id, version, config: env.config, num_players: env.numPlayers, action_space: env.actionSpace.toJSON(), observation_space: env.observationSpace.toJSON() },
      seed: agentSeed(replay.seed, seat),
      limits: { init_timeout_s: limits.initTimeoutMs / 1000, step_timeout_s: limits.stepTimeoutMs / 1000, time_bank_s: limits.timeBankMs / 1000 },
    }), limits.initTimeoutMs);
    const notReady = problem(ready, parseReadyLine);
    if (notReady) return { identical: false, step: -1, recorded: { ready: true }, answered: null, detail: `init: ${notReady}` };
    const recorded = replay.steps.length - 1;
    let asked = 0;
    for (let step = 0; step <= recorded; step++) {
      const active = env.activePlayers();
      const faultedHere = step === recorded && (replay.result.faulted_players ?? []).includes(seat);
      if (step === recorded && !faultedHere) break; // the record ends here: nothing more was asked
      if (active.includes(seat)) {
        const answer = await proc.ask(encodeMessage({ type: "step", step, observation: observations[seat], info, remaining_overage_s: limits.timeBankMs / 1000 }), limits.stepTimeoutMs + limits.timeBankMs + limits.killGraceMs);
        asked++;
        const bad = problem(answer, parseActionLine);
        if (faultedHere) {
          // The record ends with this seat's fault at this step: answering a valid action now differs.
          if (bad || !env.actionSpace.contains(parseActionLine((answer as { line: string }).line))) break;
          const action = parseActionLine((answer as { line: string }).line);
          return { identical: false, step, recorded: null, answered: action, detail: `step ${step}: the record ends with ${replay.result.end_reason} (${replay.result.fault_detail ?? "no detail"}), your agent now answers ${show(action)}` };
        }
        const want = replay.steps[step + 1]!.actions[seat];
        if (bad) return { identical: false, step, recorded: want, answered: null, detail: `step ${step}: recorded action ${show(want)}, your agent ${bad}` };
        const action = parseActionLine((answer as { line: string }).line);
        if (!sameJson(action, want)) return { identical: false, step, recorded: want, answered: action, detail: `step ${step}: recorded action ${show(want)}, your agent answers ${show(action)}` };
      }
      if (step === recorded) break;
      const result = env.step(replay.steps[step + 1]!.actions);
      observations = result.observations;
      info = result.info;
    }
    proc.tell(encodeMessage({ type: "end", result: { winner: replay.result.winner, scores: replay.result.scores, end_reason: replay.result.end_reason, total_steps: replay.result.total_steps, you: seat } }));
    proc.child.stdin?.end();
    await proc.waitExit(limits.endGraceMs);
    return { identical: true, steps: recorded, asked };
  } finally {
    await proc.killGroupAndWait();
  }
}

/** What is wrong with an answer, in words, or null when `parse` accepts its line. */
function problem(answer: Answer, parse: (line: string) => unknown): string | null {
  switch (answer.kind) {
    case "timeout":
      return `did not answer within ${(answer.elapsedMs / 1000).toFixed(3)} s`;
    case "exit":
    case "overflow":
      return answer.detail;
    case "line":
      try {
        parse(answer.line);
        return null;
      } catch (error) {
        if (error instanceof ProtocolViolation) return `answered ${preview(answer.line)} (${error.message})`;
        throw error;
      }
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
