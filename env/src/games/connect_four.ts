/** Connect-four 1.0.0: 6 rows × 7 columns, marks fall to the lowest free cell, four in a row wins. */
import type { EnvironmentDefinition } from "../types.ts";
import { GridGameEnvironment } from "./grid_game.ts";

const RULES = { id: "connect-four", version: "1.0.0", rows: 6, cols: 7, k: 4, gravity: true };

export const connectFourDefinition: EnvironmentDefinition = {
  id: RULES.id,
  version: RULES.version,
  name: "Connect four",
  numPlayers: 2,
  turnBased: true,
  defaultConfig: {},
  maxSteps: () => 42,
  create: (config, rng) => new GridGameEnvironment(RULES, config, rng),
  actionMeaning: Array.from({ length: 7 }, (_, i) => `${i} = drop a disc into column ${i}`),
  observationMeaning: [
    "board: 6 rows × 7 columns (row 0 at the top); 0 = empty, 1 = player 0's disc, 2 = player 1's disc",
    "player: your seat (0 or 1)",
    "to_move: the seat that moves now",
    "action_mask: 7 entries, 1 where the column still has room and it is the mover's turn",
  ],
  rules: [
    "Two players take turns dropping a disc into one of 7 columns of a 6-row grid; the disc falls to the lowest free cell. Player 0 moves first. An action is the column number, 0 to 6.",
    "Only the player to move acts; the other player's action must be null. Choosing a full column is an invalid action.",
    "Four discs in a row (horizontally, vertically or diagonally) win: +1 for the winner, -1 for the loser. A full board without a line is a draw (0 each).",
  ].join("\n\n"),
};
