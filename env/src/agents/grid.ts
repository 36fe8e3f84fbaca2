/**
 * Built-in policies for the grid games (tic-tac-toe, connect-four), reading the observation
 * `{ board, player, to_move, action_mask }`: a random legal move, and a one-ply heuristic.
 */
import { randomInt } from "../rng.ts";
import type { GridObservation } from "../games/grid_game.ts";
import type { Rng } from "../types.ts";

/** A uniformly random action among those whose `action_mask` entry is 1. Works for any env with a mask. */
export function randomMaskAction(observation: { action_mask: ArrayLike<number> }, rng: Rng): number {
  const legal = legalFromMask(observation.action_mask);
  if (legal.length === 0) throw new Error("no legal action: the action mask is all zeros");
  return legal[randomInt(rng, legal.length)];
}

/** `random` policy over the action mask. */
export function maskRandom(observation: { action_mask: ArrayLike<number> }, _info: unknown, _player: number, rng: Rng): number {
  return randomMaskAction(observation, rng);
}

interface Geometry {
  k: number;
  gravity: boolean;
  /** Preferred actions first, when nothing wins or blocks. */
  preference: (action: number, rows: number, cols: number) => number;
}

const TIC_TAC_TOE: Geometry = {
  k: 3,
  gravity: false,
  // centre, then corners, then edges
  preference: (a) => (a === 4 ? 0 : [0, 2, 6, 8].includes(a) ? 1 : 2),
};
const CONNECT_FOUR: Geometry = {
  k: 4,
  gravity: true,
  preference: (a, _rows, cols) => Math.abs(a - (cols - 1) / 2),
};

/**
 * One-ply heuristic: win now if possible; else block the opponent's immediate win; else (with
 * gravity) avoid moves that hand the opponent a win right above; then prefer central actions,
 * breaking ties at random.
 */
function heuristic(geometry: Geometry) {
  return (observation: GridObservation, _info: unknown, player: number, rng: Rng): number => {
    const board = observation.board.map((row) => Array.from(row));
    const rows = board.length;
    const cols = board[0].length;
    const me = (observation.player ?? player) + 1;
    const them = 3 - me;
    const legal = legalFromMask(observation.action_mask);
    if (legal.length === 0) throw new Error("no legal action: the action mask is all zeros");
    const wins = (mark: number) => legal.filter((a) => winsWith(board, cellOf(board, a, geometry.gravity), mark, geometry.k));
    const winning = wins(me);
    if (winning.length) return pick(winning, rng);
    const blocking = wins(them);
    if (blocking.length) return pick(blocking, rng);
    let candidates = legal;
    if (geometry.gravity) {
      const safe = legal.filter((a) => {
        const [r, c] = cellOf(board, a, true);
        if (r === 0) return true;
        board[r][c] = me;
        const givesWin = winsWith(board, [r - 1, c], them, geometry.k);
        board[r][c] = 0;
        return !givesWin;
      });
      if (safe.length) candidates = safe;
    }
    const best = Math.min(...candidates.map((a) => geometry.preference(a, rows, cols)));
    return pick(candidates.filter((a) => geometry.preference(a, rows, cols) === best), rng);
  };
}

export const ticTacToeHeuristic = heuristic(TIC_TAC_TOE);
export const connectFourHeuristic = heuristic(CONNECT_FOUR);

function legalFromMask(mask: ArrayLike<number>): number[] {
  const legal: number[] = [];
  for (let a = 0; a < mask.length; a++) if (mask[a]) legal.push(a);
  return legal;
}

function pick(actions: number[], rng: Rng): number {
  return actions[randomInt(rng, actions.length)];
}

/** The cell an action fills: the cell index, or the lowest free cell of a column. */
function cellOf(board: number[][], action: number, gravity: boolean): [number, number] {
  const cols = board[0].length;
  if (!gravity) return [Math.floor(action / cols), action % cols];
  let r = board.length - 1;
  while (r >= 0 && board[r][action] !== 0) r--;
  return [r, action];
}

/** Would `mark` placed at the empty cell make k in a row? */
function winsWith(board: number[][], [row, col]: [number, number], mark: number, k: number): boolean {
  if (row < 0 || board[row][col] !== 0) return false;
  for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]]) {
    let count = 1;
    for (const sign of [1, -1]) {
      let r = row + sign * dr;
      let c = col + sign * dc;
      while (r >= 0 && r < board.length && c >= 0 && c < board[0].length && board[r][c] === mark) {
        count++;
        r += sign * dr;
        c += sign * dc;
      }
    }
    if (count >= k) return true;
  }
  return false;
}
