/**
 * rl-arena-env: multi-agent game environments, replays and the replay player.
 * This is the package entry; everything public is exported here.
 */
export type * from "./types.ts";
export * from "./errors.ts";
export { Sfc32, SequenceRng, createRng, randomSeed, uniform, randomInt } from "./rng.ts";
export { Discrete, Box, Dict, spaceFromJSON, type BoxDtype } from "./spaces.ts";
export { register, unregister, make, describe, listEnvironments, getDefinition, resolveConfig } from "./registry.ts";
export { BaseEnvironment } from "./environment_base.ts";
export { PongEnvironment, pongDefinition, PONG_DEFAULT_CONFIG, type PongRenderState } from "./games/pong.ts";
export { GridGameEnvironment, type GridRules, type GridObservation, type GridRenderState } from "./games/grid_game.ts";
export { ticTacToeDefinition } from "./games/tic_tac_toe.ts";
export { connectFourDefinition } from "./games/connect_four.ts";
export {
  ReplayRecorder,
  loadReplay,
  winnerByRewards,
  REPLAY_SCHEMA_VERSION,
  type Replay,
  type ReplayStep,
  type ReplayPlayer,
  type ReplayResult,
  type ReplayEndReason,
  type PlayerStatus,
  type RecorderOptions,
} from "./replay.ts";
