/**
 * The referee's side of the environment: makes it, resets it with the match seed and records
 * every step into a replay (SPEC §1.4).
 */
import { make } from "./registry.ts";
import type { Environment, ResetResult, StepResult } from "./types.ts";
import type { AgentSpec, MatchOutcome } from "./referee_types.ts";

// Temporary until the replay recorder lands in env/src/replay.ts.
export interface Replay {
  schema_version: number;
  environment: { id: string; version: string; config: Record<string, unknown> };
  seed: number;
  players: Array<{ agent_id: string | null; name: string; submission_id: string | null; version: string | null }>;
  steps: unknown[];
  result: { winner: number | null; scores: number[]; end_reason: string; total_steps: number };
  started_at: string;
  ended_at: string;
}

export interface Recording {
  env: Environment;
  reset: ResetResult;
  step(actions: unknown[]): StepResult;
  finish(outcome: MatchOutcome): Replay;
}

export function startRecording(spec: { id: string; config?: Record<string, unknown> }, seed: number, agents: AgentSpec[]): Recording {
  const env = make(spec.id, { config: spec.config });
  const started = new Date().toISOString();
  const reset = env.reset({ seed });
  const steps: unknown[] = [{ step: 0, actions: null, rewards: null, status: [], info: reset.info, render: env.renderState() }];
  return {
    env,
    reset,
    step(actions) {
      const r = env.step(actions);
      steps.push({ step: steps.length, actions, rewards: r.rewards, status: [], info: r.info, render: env.renderState() });
      return r;
    },
    finish(outcome) {
      return {
        schema_version: 1,
        environment: { id: env.id, version: env.version, config: env.config },
        seed,
        players: agents.map((a) => ({ agent_id: a.agent_id ?? null, name: a.name, submission_id: a.submission_id ?? null, version: a.version ?? null })),
        steps,
        result: { winner: outcome.winner, scores: outcome.scores, end_reason: outcome.end_reason, total_steps: outcome.total_steps },
        started_at: started,
        ended_at: new Date().toISOString(),
      };
    },
  };
}
