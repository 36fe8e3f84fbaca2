/**
 * The referee's side of the environment: makes it, resets it with the match seed and records
 * every step into a replay (SPEC §1.4) with the shared ReplayRecorder.
 */
import { make } from "./registry.ts";
import { ReplayRecorder, type Replay } from "./replay.ts";
import type { Environment, ResetResult, StepResult } from "./types.ts";
import type { AgentSpec, MatchOutcome } from "./referee_types.ts";

export interface Recording {
  env: Environment;
  reset: ResetResult;
  step(actions: unknown[]): StepResult;
  finish(outcome: MatchOutcome): Replay;
}

/** Makes and resets the environment and starts its replay; the players come from the AgentSpecs. */
export function startRecording(spec: { id: string; config?: Record<string, unknown> }, seed: number, agents: AgentSpec[]): Recording {
  const env = make(spec.id, { config: spec.config });
  const recorder = new ReplayRecorder(env, {
    seed,
    players: agents.map((a) => ({ agent_id: a.agent_id ?? null, name: a.name, submission_id: a.submission_id ?? null, version: a.version ?? null })),
  });
  const reset = env.reset({ seed });
  recorder.recordReset(reset);
  return {
    env,
    reset,
    step(actions) {
      const result = env.step(actions);
      recorder.recordStep(actions, result);
      return result;
    },
    finish(outcome) {
      return recorder.finish({
        winner: outcome.winner,
        scores: outcome.scores,
        end_reason: outcome.end_reason,
        total_steps: outcome.total_steps,
        ...(outcome.faulted_players ? { faulted_players: outcome.faulted_players, faulted_player: outcome.faulted_player, fault_detail: outcome.fault_detail } : {}),
      });
    },
  };
}
