/**
 * The agent protocol of SPEC §2: one JSON object per line over the agent's stdin/stdout.
 *
 * Referee → agent:
 *   {"type":"init","player":0,"env":{"id","version","config","num_players","action_space","observation_space"},"seed":n,"limits":{...}}
 *   {"type":"step","step":n,"observation":…,"info":{…},"remaining_overage_s":x}
 *   {"type":"end","result":{"winner","scores","end_reason","total_steps",…}}
 * Agent → referee:
 *   {"ready":true}          exactly once, in answer to init (measures the init timeout)
 *   {"action":…}            exactly once per step message
 * Anything else on the agent's stdout is a protocol error; stderr is the agent's log.
 */
import { storableText } from "./agent_text.ts";
import type { SpaceJson } from "./types.ts";

export const PROTOCOL_VERSION = 1;

export interface InitMessage {
  type: "init";
  protocol: number;
  player: number;
  env: {
    id: string;
    version: string;
    config: Record<string, unknown>;
    num_players: number;
    action_space: SpaceJson;
    observation_space: SpaceJson;
  };
  /** A seed for the agent's own randomness, derived from the match seed and the player (not the environment's seed). */
  seed: number;
  limits: { init_timeout_s: number; step_timeout_s: number; time_bank_s: number };
}

export interface StepMessage {
  type: "step";
  step: number;
  observation: unknown;
  info: Record<string, unknown>;
  remaining_overage_s: number;
}

export interface EndMessage {
  type: "end";
  result: {
    winner: number | null;
    scores: number[];
    end_reason: string;
    total_steps: number;
    faulted_player?: number;
    you: number;
  };
}

export type RefereeMessage = InitMessage | StepMessage | EndMessage;

/** Why an agent's line was rejected, in words shown to the agent's owner. */
export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolViolation";
  }
}

/** Serialises one referee message as a protocol line (with the trailing newline). */
export function encodeMessage(message: RefereeMessage): string {
  return JSON.stringify(message) + "\n";
}

/** Parses an agent's answer to a step message; throws ProtocolViolation for anything but `{"action": …}`. */
export function parseActionLine(line: string): unknown {
  const value = parseObjectLine(line);
  if (!Object.prototype.hasOwnProperty.call(value, "action")) {
    // The keys are the agent's text (they may hold any character through JSON escapes): cut and cleaned.
    throw new ProtocolViolation(`expected {"action": …} but got an object with keys [${excerpt(Object.keys(value).join(", "), 80)}]: ${preview(line)}`);
  }
  return (value as { action: unknown }).action;
}

/** Parses an agent's answer to init; throws ProtocolViolation for anything but `{"ready": true}`. */
export function parseReadyLine(line: string): void {
  const value = parseObjectLine(line);
  if ((value as { ready?: unknown }).ready !== true) {
    throw new ProtocolViolation(`expected {"ready": true} in answer to init but got ${preview(line)}`);
  }
}

function parseObjectLine(line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolViolation(`the line is not valid JSON: ${preview(line)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ProtocolViolation(`the line must be a JSON object but is ${Array.isArray(value) ? "an array" : excerpt(JSON.stringify(value), 40)}`);
  }
  return value as Record<string, unknown>;
}

/** A short, printable excerpt of what an agent wrote, for error messages. */
export function preview(text: string, max = 120): string {
  return JSON.stringify(excerpt(text, max));
}

/** At most `max` UTF-16 units of what an agent wrote, control characters as "?", storable in the database. */
function excerpt(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, max) + "…" : text;
  return storableText(cut.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "?")); // the cut may split a surrogate pair
}

/**
 * Derives the seed sent to one agent from the match seed, so agents can seed their own RNG
 * reproducibly without learning the seed the environment uses (which would predict every serve).
 */
export function agentSeed(matchSeed: number, player: number): number {
  let h = (Math.imul((matchSeed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(player + 1, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
