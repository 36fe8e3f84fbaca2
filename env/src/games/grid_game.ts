/**
 * The engine behind tic-tac-toe and connect-four: two players take turns placing marks on a
 * grid; k in a row (horizontal, vertical or diagonal) wins; a full board is a draw.
 * With `gravity`, an action is a column and the mark falls to the lowest empty cell
 * (connect-four); without it, an action is a cell index row·cols + col (tic-tac-toe).
 *
 * Board cells: 0 = empty, 1 = player 0's mark, 2 = player 1's mark; row 0 is the top row.
 */
import { BaseEnvironment } from "../environment_base.ts";
import { Box, Dict, Discrete } from "../spaces.ts";
import type { ResetResult, Rng, StepResult } from "../types.ts";

export interface GridRules {
  id: string;
  version: string;
  rows: number;
  cols: number;
  /** Marks in a row needed to win. */
  k: number;
  gravity: boolean;
}

/** Observation of a grid game, one per player. */
export interface GridObservation {
  /** rows × cols, 0 empty, 1 player 0, 2 player 1. */
  board: number[][];
  /** The seat of the player receiving this observation. */
  player: number;
  /** The seat that moves next (after the end: the seat that would have moved). */
  to_move: number;
  /** 1 where the action is legal for the player to move, else 0 (all 0 once the game is over). */
  action_mask: number[];
}

/** `renderState()` of a grid game. */
export interface GridRenderState {
  board: number[][];
  to_move: number;
  winner: number | null;
  draw: boolean;
  /** The cell of the last mark placed. */
  last_move: { row: number; col: number } | null;
  /** The cells of the winning line, when there is a winner. */
  winning_line: Array<{ row: number; col: number }> | null;
}

const DIRECTIONS: ReadonlyArray<readonly [number, number]> = [[0, 1], [1, 0], [1, 1], [1, -1]];

export class GridGameEnvironment extends BaseEnvironment {
  readonly id: string;
  readonly version: string;
  readonly numPlayers = 2;
  readonly actionSpace: Discrete;
  readonly observationSpace: Dict;
  private readonly rules: GridRules;
  private board: number[][] = [];
  private toMove = 0;
  private winner: number | null = null;
  private draw = false;
  private moves = 0;
  private lastMove: { row: number; col: number } | null = null;
  private winningLine: Array<{ row: number; col: number }> | null = null;

  constructor(rules: GridRules, config: Record<string, unknown>, rng: Rng | undefined) {
    super(config, rng);
    this.rules = rules;
    this.id = rules.id;
    this.version = rules.version;
    const actions = rules.gravity ? rules.cols : rules.rows * rules.cols;
    this.actionSpace = new Discrete(actions);
    this.observationSpace = new Dict({
      board: new Box(0, 2, [rules.rows, rules.cols], "int8"),
      player: new Discrete(2),
      to_move: new Discrete(2),
      action_mask: new Box(0, 1, [actions], "int8"),
    });
  }

  activePlayers(): number[] {
    return this.over() ? [] : [this.toMove];
  }

  legalActions(player: number): number[] {
    if (this.over() || player !== this.toMove) return [];
    const mask = this.mask();
    const legal: number[] = [];
    mask.forEach((m, a) => m && legal.push(a));
    return legal;
  }

  protected start(_rng: Rng): ResetResult {
    this.board = Array.from({ length: this.rules.rows }, () => new Array<number>(this.rules.cols).fill(0));
    this.toMove = 0;
    this.winner = null;
    this.draw = false;
    this.moves = 0;
    this.lastMove = null;
    this.winningLine = null;
    return { observations: this.observations(), info: this.info() };
  }

  protected checkAction(_player: number, action: unknown): string | null {
    const { rows, cols, gravity } = this.rules;
    if (!this.actionSpace.contains(action)) {
      return gravity
        ? `${this.id} expects a column number, an integer from 0 to ${cols - 1}`
        : `${this.id} expects a cell number row·${cols} + column, an integer from 0 to ${rows * cols - 1}`;
    }
    if (gravity) return this.board[0][action] === 0 ? null : `column ${action} is full`;
    const row = Math.floor(action / cols);
    const col = action % cols;
    return this.board[row][col] === 0 ? null : `cell ${action} (row ${row}, column ${col}) is already taken`;
  }

  protected advance(actions: unknown[], _rng: Rng): StepResult {
    const player = this.toMove;
    const action = actions[player] as number;
    const { rows, cols, gravity } = this.rules;
    let row: number;
    let col: number;
    if (gravity) {
      col = action;
      row = rows - 1;
      while (this.board[row][col] !== 0) row--;
    } else {
      row = Math.floor(action / cols);
      col = action % cols;
    }
    this.board[row][col] = player + 1;
    this.moves += 1;
    this.lastMove = { row, col };
    const line = this.lineThrough(row, col);
    const rewards = [0, 0];
    if (line) {
      this.winner = player;
      this.winningLine = line;
      rewards[player] = 1;
      rewards[1 - player] = -1;
    } else if (this.moves === rows * cols) {
      this.draw = true;
    }
    this.toMove = 1 - player;
    return { observations: this.observations(), rewards, terminated: this.over(), truncated: false, info: this.info() };
  }

  renderState(): GridRenderState {
    return {
      board: this.board.map((r) => r.slice()),
      to_move: this.toMove,
      winner: this.winner,
      draw: this.draw,
      last_move: this.lastMove && { ...this.lastMove },
      winning_line: this.winningLine && this.winningLine.map((c) => ({ ...c })),
    };
  }

  private over(): boolean {
    return this.winner !== null || this.draw;
  }

  private mask(): number[] {
    const { rows, cols, gravity } = this.rules;
    if (this.over()) return new Array<number>(gravity ? cols : rows * cols).fill(0);
    if (gravity) return this.board[0].map((cell) => (cell === 0 ? 1 : 0));
    return this.board.flatMap((r) => r.map((cell) => (cell === 0 ? 1 : 0)));
  }

  private observations(): GridObservation[] {
    const mask = this.mask();
    return [0, 1].map((player) => ({
      board: this.board.map((r) => r.slice()),
      player,
      to_move: this.toMove,
      action_mask: mask.slice(),
    }));
  }

  private info(): Record<string, unknown> {
    return {
      to_move: this.toMove,
      winner: this.winner,
      draw: this.draw,
      move_count: this.moves,
      last_move: this.lastMove && { ...this.lastMove },
    };
  }

  /** The full run of equal marks through (row, col) in some direction if it is at least k long. */
  private lineThrough(row: number, col: number): Array<{ row: number; col: number }> | null {
    const { rows, cols, k } = this.rules;
    const mark = this.board[row][col];
    for (const [dr, dc] of DIRECTIONS) {
      const cells = [{ row, col }];
      for (const sign of [1, -1]) {
        let r = row + sign * dr;
        let c = col + sign * dc;
        while (r >= 0 && r < rows && c >= 0 && c < cols && this.board[r][c] === mark) {
          if (sign === 1) cells.push({ row: r, col: c });
          else cells.unshift({ row: r, col: c });
          r += sign * dr;
          c += sign * dc;
        }
      }
      if (cells.length >= k) return cells;
    }
    return null;
  }
}
