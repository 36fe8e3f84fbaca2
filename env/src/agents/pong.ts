/** Built-in pong policies: pure functions of the observation (no I/O). */
import { randomInt } from "../rng.ts";
import type { Rng } from "../types.ts";

const UP = 0;
const STAY = 1;
const DOWN = 2;

/** Uniformly random UP / STAY / DOWN. */
export function pongRandom(_observation: unknown, _info: unknown, _player: number, rng: Rng): number {
  return randomInt(rng, 3);
}

/**
 * Moves its paddle towards the ball's height, staying still within half a paddle step of it
 * (so it does not jitter). Player 0 reads obs[4], player 1 obs[5].
 */
export function pongTracker(observation: ArrayLike<number>, _info: unknown, player: number, _rng: Rng): number {
  const ballY = observation[1];
  const paddle = observation[4 + player];
  if (ballY < paddle - 0.025) return UP;
  if (ballY > paddle + 0.025) return DOWN;
  return STAY;
}
