/**
 * The registry of built-in policies, used as opponents (CLI, validation matches) and demo
 * players. Each is a pure function; `create` binds one to a seat and a seeded rng for a match.
 */
import { createRng } from "../rng.ts";
import type { Rng } from "../types.ts";
import { connectFourHeuristic, maskRandom, ticTacToeHeuristic } from "./grid.ts";
import { pongRandom, pongTracker } from "./pong.ts";

/** A policy: (observation, info, player seat, rng) → action. No I/O, no hidden state. */
export type Policy = (observation: any, info: Record<string, unknown>, player: number, rng: Rng) => unknown;

export interface BuiltinAgent {
  /** The environment this policy plays. */
  envId: string;
  description: string;
  act: Policy;
  /** Binds the policy to a seat, with its own rng seeded from `seed`. */
  create(context: { player: number; seed: number }): (observation: any, info: Record<string, unknown>) => unknown;
}

function entry(envId: string, description: string, act: Policy): BuiltinAgent {
  return {
    envId,
    description,
    act,
    create({ player, seed }) {
      const rng = createRng(seed);
      return (observation, info) => act(observation, info, player, rng);
    },
  };
}

export const builtinAgents: Readonly<Record<string, BuiltinAgent>> = Object.freeze({
  "pong-random": entry("pong", "Presses UP, STAY or DOWN at random.", pongRandom),
  "pong-tracker": entry("pong", "Moves its paddle towards the ball's height every step.", pongTracker),
  "tictactoe-random": entry("tic-tac-toe", "Plays a random free cell.", maskRandom),
  "tictactoe-heuristic": entry("tic-tac-toe", "Wins if it can, else blocks, else takes the centre, a corner, an edge.", ticTacToeHeuristic),
  "connect-four-random": entry("connect-four", "Drops into a random column with room.", maskRandom),
  "connect-four-heuristic": entry(
    "connect-four",
    "Wins if it can, else blocks, avoids giving a win right above its disc, prefers central columns.",
    connectFourHeuristic,
  ),
});

/** The built-in agents that play `envId`. */
export function builtinAgentsFor(envId: string): string[] {
  return Object.keys(builtinAgents).filter((name) => builtinAgents[name].envId === envId);
}
