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
  validateFrameReplay,
  winnerByRewards,
  REPLAY_SCHEMA_VERSION,
  type Replay,
  type ReplayTiming,
  type SeatTiming,
  type ReplayStep,
  type ReplayPlayer,
  type ReplayResult,
  type ReplayEndReason,
  type PlayerStatus,
  type RecorderOptions,
} from "./replay.ts";
export { loadReplay, compactReplay, expandReplay, storableReplay, isCompactReplay, sameJson, COMPACT_REPLAY_SCHEMA_VERSION, KNOWN_REPLAY_SCHEMAS, type CompactReplay } from "./replay_compact.ts";
// Agent protocol, SDK and referee (SPEC §2).
export { runMatch, decide, DEFAULT_LIMITS, type AgentSpec, type LaunchSpec, type LaunchHook, type MatchLimits, type MatchOutcome, type MatchResult, type MatchStats, type PlayerStats, type EndReason, type RunMatchOptions, type StepProgress } from "./referee.ts";
export { agentSpecFromPath, builtinAgentSpec, resolveAgentSpec, findEntry, ENTRY_CANDIDATES, NODE_RUNNER, BUILTIN_RUNNER, PYTHON_LAUNCHER, PYTHON_DIR, type AgentLanguage, type AgentSpecOptions } from "./referee_agents.ts";
export { serve, loadAgentModule, type ActFunction, type AgentContext, type AgentObject, type ServeOptions, type ServeResult } from "./sdk.ts";
export { storableText, storableJson, isStorableText, decodeAgentBytes, cutUtf8, logWithin, REPLACEMENT } from "./agent_text.ts";
export { PROTOCOL_VERSION, encodeMessage, parseActionLine, parseReadyLine, ProtocolViolation, agentSeed, type InitMessage, type StepMessage, type EndMessage, type RefereeMessage } from "./protocol.ts";
export { builtinAgents, builtinAgentsFor, type BuiltinAgent, type Policy } from "./agents/builtin.ts";
export { pongRandom, pongTracker } from "./agents/pong.ts";
export { randomMaskAction, maskRandom, ticTacToeHeuristic, connectFourHeuristic } from "./agents/grid.ts";
export { playEpisode, type PlayEpisodeOptions } from "./play.ts";
export { reproduceMatch, type ReproduceOptions, type ReproduceResult } from "./reproduce.ts";
export { runConformance, assertConformance, type ConformanceFailure, type ConformanceOptions } from "./conformance.ts";
export { renderReplayHtml, playerBundleSource, playerBundlePath, buildPlayerBundle, type ReplayHtmlOptions } from "./replay_html.ts";
export { PLAYER_CSS, type PlayerHandle, type PlayerOptions } from "./player/player.ts";
export type { DebugInfo, DebugSeat } from "./player/debug_panel.ts";
