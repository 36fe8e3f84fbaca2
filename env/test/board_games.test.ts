/** tic-tac-toe and connect-four: turns, masks, legality, wins, draws, rewards and render states. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidActionError, make, type Environment, type GridObservation, type GridRenderState, type StepResult } from "../src/index.ts";

/** Plays moves alternately (player 0 first), passing null for the player not to move. */
function playMoves(env: Environment, moves: number[]): StepResult[] {
  return moves.map((move, i) => env.step(i % 2 === 0 ? [move, null] : [null, move]));
}
function expectInvalid(fn: () => unknown, player: number, reason: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, InvalidActionError);
    assert.is((error as InvalidActionError).player, player);
    assert.match((error as Error).message, reason);
    return;
  }
  assert.unreachable("the action was accepted");
}

test("tic-tac-toe starts empty with player 0 to move and every cell legal", () => {
  const env = make("tic-tac-toe");
  const { observations, info } = env.reset({ seed: 1 });
  const [o0, o1] = observations as GridObservation[];
  assert.equal(o0, { board: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], player: 0, to_move: 0, action_mask: [1, 1, 1, 1, 1, 1, 1, 1, 1] });
  assert.is(o1.player, 1);
  assert.equal(env.activePlayers(), [0]);
  assert.equal(info, { to_move: 0, winner: null, draw: false, move_count: 0, last_move: null });
  assert.ok(env.observationSpace.contains(o0) && env.observationSpace.contains(o1));
});

test("tic-tac-toe marks the cell row·3 + column and passes the turn", () => {
  const env = make("tic-tac-toe");
  env.reset();
  const r = env.step([5, null]);
  const o = r.observations[1] as GridObservation;
  assert.equal(o.board, [[0, 0, 0], [0, 0, 1], [0, 0, 0]]);
  assert.is(o.to_move, 1);
  assert.equal(o.action_mask, [1, 1, 1, 1, 1, 0, 1, 1, 1]);
  assert.equal(env.activePlayers(), [1]);
  assert.equal(r.rewards, [0, 0]);
  assert.equal(r.info.last_move, { row: 1, col: 2 });
});

test("tic-tac-toe rejects taken cells, out-of-range moves and moves out of turn", () => {
  const env = make("tic-tac-toe");
  env.reset();
  env.step([4, null]);
  expectInvalid(() => env.step([null, 4]), 1, /cell 4 \(row 1, column 1\) is already taken/);
  expectInvalid(() => env.step([null, 9]), 1, /integer from 0 to 8/);
  expectInvalid(() => env.step([null, 2.5]), 1, /integer from 0 to 8/);
  expectInvalid(() => env.step([null, "1"]), 1, /integer from 0 to 8/);
  expectInvalid(() => env.step([null, null]), 1, /integer from 0 to 8/);
  expectInvalid(() => env.step([0, 1]), 0, /not active this step, so its action must be null/);
  assert.equal(env.step([null, 0]).rewards, [0, 0], "state unchanged by the rejected steps");
});

test("tic-tac-toe: three in a row wins, +1/-1, and the game is over", () => {
  const env = make("tic-tac-toe");
  env.reset();
  // X: 0, 4, 8 (diagonal); O: 1, 2.
  const results = playMoves(env, [0, 1, 4, 2, 8]);
  const last = results[results.length - 1];
  assert.is(last.terminated, true);
  assert.equal(last.rewards, [1, -1]);
  assert.is(last.info.winner, 0);
  assert.equal(env.activePlayers(), []);
  assert.equal((last.observations[0] as GridObservation).action_mask, [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const render = env.renderState() as GridRenderState;
  assert.equal(render.winning_line, [{ row: 0, col: 0 }, { row: 1, col: 1 }, { row: 2, col: 2 }]);
  assert.is(render.winner, 0);
  assert.throws(() => env.step([null, 3]), (e: unknown) => (e as Error).name === "EpisodeFinishedError");
});

test("tic-tac-toe: player 1 can win too", () => {
  const env = make("tic-tac-toe");
  env.reset();
  // X: 0, 1, 8; O: 2, 4, 6 (anti-diagonal).
  const last = playMoves(env, [0, 2, 1, 4, 8, 6]).pop()!;
  assert.equal(last.rewards, [-1, 1]);
  assert.is(last.info.winner, 1);
  assert.equal((env.renderState() as GridRenderState).winning_line, [{ row: 0, col: 2 }, { row: 1, col: 1 }, { row: 2, col: 0 }]);
});

test("tic-tac-toe: a full board without a line is a draw with 0 rewards", () => {
  const env = make("tic-tac-toe");
  env.reset();
  // X O X / X O O / O X X
  const results = playMoves(env, [0, 1, 2, 4, 3, 5, 7, 6, 8]);
  results.slice(0, 8).forEach((r, i) => assert.is(r.terminated, false, `move ${i + 1}`));
  const last = results[8];
  assert.is(last.terminated, true);
  assert.equal(last.rewards, [0, 0]);
  assert.equal(last.info, { to_move: 1, winner: null, draw: true, move_count: 9, last_move: { row: 2, col: 2 } });
});

test("connect-four drops a disc to the lowest free row of the column", () => {
  const env = make("connect-four");
  env.reset();
  playMoves(env, [3, 3, 3]);
  const board = (env.renderState() as GridRenderState).board;
  assert.equal(board.map((row) => row[3]), [0, 0, 0, 1, 2, 1]);
  assert.equal((env.renderState() as GridRenderState).last_move, { row: 3, col: 3 });
  assert.equal(board.length, 6);
  assert.equal(board[0].length, 7);
});

test("connect-four rejects a full column and masks it out", () => {
  const env = make("connect-four");
  env.reset();
  const results = playMoves(env, [0, 0, 0, 0, 0, 0]);
  const o = results[5].observations[0] as GridObservation;
  assert.equal(o.action_mask, [0, 1, 1, 1, 1, 1, 1]);
  assert.equal(env.legalActions!(0), [1, 2, 3, 4, 5, 6]);
  assert.equal(env.legalActions!(1), [], "player 1 is not to move");
  expectInvalid(() => env.step([0, null]), 0, /column 0 is full/);
  expectInvalid(() => env.step([7, null]), 0, /integer from 0 to 6/);
});

test("connect-four detects horizontal, vertical and both diagonal wins", () => {
  const cases: Array<{ name: string; moves: number[]; winner: number; line: Array<[number, number]> }> = [
    { name: "horizontal", moves: [0, 0, 1, 1, 2, 2, 3], winner: 0, line: [[5, 0], [5, 1], [5, 2], [5, 3]] },
    { name: "vertical", moves: [6, 0, 5, 0, 6, 0, 5, 0], winner: 1, line: [[2, 0], [3, 0], [4, 0], [5, 0]] },
    // X climbs the diagonal (5,0) (4,1) (3,2) (2,3).
    { name: "rising diagonal", moves: [0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3], winner: 0, line: [[2, 3], [3, 2], [4, 1], [5, 0]] },
    // X on (2,0) (3,1) (4,2) (5,3).
    { name: "falling diagonal", moves: [3, 2, 2, 1, 1, 0, 1, 0, 0, 6, 0], winner: 0, line: [[2, 0], [3, 1], [4, 2], [5, 3]] },
  ];
  for (const c of cases) {
    const env = make("connect-four");
    env.reset();
    const results = playMoves(env, c.moves);
    results.slice(0, -1).forEach((r, i) => assert.is(r.terminated, false, `${c.name}: move ${i + 1}`));
    const last = results[results.length - 1];
    assert.is(last.terminated, true, c.name);
    assert.is(last.info.winner, c.winner, c.name);
    assert.equal(last.rewards, c.winner === 0 ? [1, -1] : [-1, 1], c.name);
    const line = (env.renderState() as GridRenderState).winning_line!.map((p) => [p.row, p.col]);
    assert.equal(line.sort(), c.line.sort(), c.name);
  }
});

test("connect-four: a full board without four in a row is a draw", () => {
  // Final board, columns bottom-up: columns 0, 1, 4, 5 read X O X O X O and columns 2, 3, 6 read
  // O X O X O X. Every row then reads XXOOXXO or OOXXOOX, columns alternate, and any four
  // diagonal cells mix both marks. The move order below (found by search) alternates X and O.
  const env = make("connect-four");
  env.reset();
  const moves = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 4, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 5];
  const results = playMoves(env, moves);
  results.slice(0, -1).forEach((r, i) => assert.is(r.terminated, false, `move ${i + 1}`));
  const board = (env.renderState() as GridRenderState).board;
  assert.equal(board[5], [1, 1, 2, 2, 1, 1, 2]);
  assert.equal(board[0], [2, 2, 1, 1, 2, 2, 1]);
  const last = results[results.length - 1];
  assert.is(last.terminated, true);
  assert.is(last.info.draw, true);
  assert.is(last.info.winner, null);
  assert.equal(last.rewards, [0, 0]);
  assert.equal(results.length, 42);
});

test("board games are deterministic and ignore the seed", () => {
  const a = make("connect-four");
  const b = make("connect-four");
  assert.equal(a.reset({ seed: 1 }), b.reset({ seed: 2 }));
  assert.equal(playMoves(a, [3, 4, 3]), playMoves(b, [3, 4, 3]));
});

test.run();
