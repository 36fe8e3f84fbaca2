/**
 * In-process episodes: plays policies against each other on one environment and records the
 * replay. No processes and no time limits — for training loops, tests and quick demos (the
 * referee runs real agent processes).
 */
import { ReplayRecorder, type Replay, type ReplayPlayer } from "./replay.ts";
import { createRng } from "./rng.ts";
import type { Environment } from "./types.ts";
import type { Policy } from "./agents/builtin.ts";
import { make } from "./registry.ts";

export interface PlayEpisodeOptions {
  /** Environment id (made with `config`) or a live environment. */
  env: string | Environment;
  config?: Record<string, unknown>;
  /** One policy per player. */
  policies: Policy[];
  seed: number;
  players?: Array<Partial<ReplayPlayer>>;
  includeObservations?: boolean;
}

/**
 * Plays one episode to its end. Policy i gets its own rng seeded from (seed, i), and its
 * action only while it is active (others send null). Returns the replay.
 */
export function playEpisode(options: PlayEpisodeOptions): Replay {
  const env = typeof options.env === "string" ? make(options.env, { config: options.config }) : options.env;
  if (options.policies.length !== env.numPlayers) {
    throw new RangeError(`${env.id} needs ${env.numPlayers} policies, got ${options.policies.length}`);
  }
  const rngs = options.policies.map((_, i) => createRng(options.seed * 31 + i + 1));
  const recorder = new ReplayRecorder(env, { seed: options.seed, players: options.players, includeObservations: options.includeObservations });
  const reset = env.reset({ seed: options.seed });
  recorder.recordReset(reset);
  let observations = reset.observations;
  let info = reset.info;
  for (;;) {
    const active = env.activePlayers();
    const actions = options.policies.map((policy, i) => (active.includes(i) ? policy(observations[i], info, i, rngs[i]) : null));
    const result = env.step(actions);
    recorder.recordStep(actions, result);
    if (result.terminated || result.truncated) break;
    observations = result.observations;
    info = result.info;
  }
  return recorder.finish();
}
