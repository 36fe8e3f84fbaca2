/** Built-in policies: valid actions, and the smart ones beat the random ones. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { builtinAgents, builtinAgentsFor, connectFourHeuristic, createRng, make, playEpisode, pongTracker, ticTacToeHeuristic, type GridObservation } from "../src/index.ts";

const act = (name: string) => builtinAgents[name].act;

function tally(envId: string, a: string, b: string, games: number): { wins: number; draws: number; losses: number } {
  const t = { wins: 0, draws: 0, losses: 0 };
  for (let g = 0; g < games; g++) {
    // alternate seats so neither side always moves first
    const swap = g % 2 === 1;
    const replay = playEpisode({ env: envId, policies: swap ? [act(b), act(a)] : [act(a), act(b)], seed: 1000 + g });
    const winner = replay.result.winner;
    if (winner === null) t.draws++;
    else if ((winner === 0) !== swap) t.wins++;
    else t.losses++;
  }
  return t;
}

test("every built-in agent names a registered environment and has a description", () => {
  assert.equal(Object.keys(builtinAgents).sort(), ["connect-four-heuristic", "connect-four-random", "pong-random", "pong-tracker", "tictactoe-heuristic", "tictactoe-random"]);
  for (const [name, agent] of Object.entries(builtinAgents)) {
    assert.ok(make(agent.envId), name);
    assert.ok(agent.description.length > 10, name);
  }
  assert.equal(builtinAgentsFor("pong"), ["pong-random", "pong-tracker"]);
});

test("built-in agents only ever choose valid actions (a full episode each, both seats)", () => {
  for (const [name, agent] of Object.entries(builtinAgents)) {
    const opponent = builtinAgentsFor(agent.envId).find((n) => n.endsWith("random"))!;
    for (const seat of [0, 1]) {
      const policies = seat === 0 ? [agent.act, act(opponent)] : [act(opponent), agent.act];
      // playEpisode throws InvalidActionError on any invalid action
      const replay = playEpisode({ env: agent.envId, policies, seed: 5 + seat });
      assert.ok(replay.result.total_steps > 0, name);
    }
  }
});

test("create binds a policy to a seat and a seeded rng: same seed, same choices", () => {
  const env = make("connect-four");
  const obs = env.reset().observations[0];
  const a = builtinAgents["connect-four-random"].create({ player: 0, seed: 3 });
  const b = builtinAgents["connect-four-random"].create({ player: 0, seed: 3 });
  const seqA = Array.from({ length: 20 }, () => a(obs, {}));
  assert.equal(seqA, Array.from({ length: 20 }, () => b(obs, {})));
  assert.ok(new Set(seqA).size > 1, "it is random");
});

test("the pong tracker moves towards the ball and stays when level with it", () => {
  const rng = createRng(1);
  assert.is(pongTracker([0.5, 0.2, 0, 0, 0.5, 0.5, 0, 0], {}, 0, rng), 0, "ball above → UP");
  assert.is(pongTracker([0.5, 0.8, 0, 0, 0.5, 0.5, 0, 0], {}, 1, rng), 2, "ball below → DOWN");
  assert.is(pongTracker([0.5, 0.51, 0, 0, 0.5, 0.9, 0, 0], {}, 0, rng), 1, "level → STAY");
  assert.is(pongTracker([0.5, 0.51, 0, 0, 0.5, 0.9, 0, 0], {}, 1, rng), 0, "player 1 reads its own paddle");
});

test("the pong tracker beats the random player", () => {
  const t = tally("pong", "pong-tracker", "pong-random", 6);
  assert.ok(t.wins >= 5 && t.losses === 0, JSON.stringify(t));
});

test("the tic-tac-toe heuristic wins, blocks, and otherwise takes the centre", () => {
  const rng = createRng(2);
  const obs = (board: number[][], player: number): GridObservation => ({
    board,
    player,
    to_move: player,
    action_mask: board.flat().map((c) => (c === 0 ? 1 : 0)),
  });
  assert.is(ticTacToeHeuristic(obs([[1, 1, 0], [2, 2, 0], [0, 0, 0]], 0), {}, 0, rng), 2, "completes its row");
  assert.is(ticTacToeHeuristic(obs([[1, 1, 0], [2, 0, 0], [0, 0, 0]], 1), {}, 1, rng), 2, "blocks X");
  assert.is(ticTacToeHeuristic(obs([[0, 0, 0], [0, 0, 0], [0, 0, 0]], 0), {}, 0, rng), 4, "centre first");
});

test("the connect-four heuristic wins and blocks", () => {
  const rng = createRng(3);
  const empty = () => Array.from({ length: 6 }, () => [0, 0, 0, 0, 0, 0, 0]);
  const board = empty();
  board[5] = [1, 1, 1, 0, 2, 2, 0];
  board[4] = [2, 0, 0, 0, 0, 0, 0];
  const mask = [1, 1, 1, 1, 1, 1, 1];
  assert.is(connectFourHeuristic({ board, player: 0, to_move: 0, action_mask: mask }, {}, 0, rng), 3, "wins in column 3");
  assert.is(connectFourHeuristic({ board, player: 1, to_move: 1, action_mask: mask }, {}, 1, rng), 3, "blocks column 3");
});

test("the board heuristics beat random players and never lose to them", () => {
  const ttt = tally("tic-tac-toe", "tictactoe-heuristic", "tictactoe-random", 40);
  assert.ok(ttt.wins >= 28 && ttt.losses <= 2, JSON.stringify(ttt));
  const c4 = tally("connect-four", "connect-four-heuristic", "connect-four-random", 30);
  assert.ok(c4.wins >= 27 && c4.losses <= 1, JSON.stringify(c4));
});

test.run();
