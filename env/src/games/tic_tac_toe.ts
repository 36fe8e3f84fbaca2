/** Tic-tac-toe 1.0.0: 3×3, three in a row wins. Action = cell index row·3 + column. */
import type { EnvironmentDefinition } from "../types.ts";
import { GridGameEnvironment } from "./grid_game.ts";

const RULES = { id: "tic-tac-toe", version: "1.0.0", rows: 3, cols: 3, k: 3, gravity: false };

export const ticTacToeDefinition: EnvironmentDefinition = {
  id: RULES.id,
  version: RULES.version,
  name: "Tic-tac-toe",
  numPlayers: 2,
  turnBased: true,
  defaultConfig: {},
  maxSteps: () => 9,
  create: (config, rng) => new GridGameEnvironment(RULES, config, rng),
  actionMeaning: Array.from({ length: 9 }, (_, i) => `${i} = row ${Math.floor(i / 3)}, column ${i % 3}`),
  observationMeaning: [
    "board: 3×3 rows (row 0 at the top); 0 = empty, 1 = player 0's mark (X), 2 = player 1's mark (O)",
    "player: your seat (0 or 1)",
    "to_move: the seat that moves now",
    "action_mask: 9 entries, 1 where the cell is free and it is the mover's turn",
  ],
  rules: [
    "Two players take turns placing their mark on an empty cell of a 3×3 grid; player 0 (X) moves first. An action is the cell number row·3 + column, 0 to 8.",
    "Only the player to move acts; the other player's action must be null. Choosing a taken cell is an invalid action.",
    "Three marks in a row (horizontally, vertically or diagonally) win: +1 for the winner, -1 for the loser. A full board without a line is a draw (0 each).",
  ].join("\n\n"),
};
