/**
 * How a match result leaves the pod: only through the referee.
 *
 * - The referee's termination message (/dev/termination-log, at most 4096 bytes, readable
 *   only through the API server) carries the outcome and the SHA-256 of the full payload.
 * - The full payload (outcome, replay, each seat's stderr) is gzip'd, base64'd and printed on
 *   the referee's own stdout in numbered lines `RLA-RESULT:<nonce>:<i>/<n>:<chunk>`. The nonce
 *   is random per match and known only to the worker and the referee's environment; agents run
 *   in other containers, cannot read it, and never write to the referee's log anyway.
 *
 * The worker reads both through the API, checks the hash, and trusts the termination
 * message's outcome. Agents' own container logs are never parsed.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { MatchOutcome } from "./types.ts";

export const TERMINATION_MESSAGE_LIMIT = 4096;
const CHUNK_CHARS = 8000;
/** Kubelet rotates container logs at 10 MiB by default; the payload must stay well below. */
export const MAX_PAYLOAD_BASE64 = 8 * 1024 * 1024;
const MAX_UNZIPPED = 256 * 1024 * 1024;

export interface RefereePayload {
  outcome: MatchOutcome;
  replay: unknown;
  logs: string[];
}

interface Summary {
  v: 1;
  outcome?: MatchOutcome;
  sha256?: string;
  chunks?: number;
  error?: string;
}

/** Thrown when what came back from the pod is missing, malformed, or does not match its hash. */
export class ResultError extends Error {
  override name = "ResultError";
}

/** Referee side: the log lines to print and the termination message to write. */
export function frameResult(payload: RefereePayload, nonce: string): { lines: string[]; terminationMessage: string } {
  const gz = gzipSync(Buffer.from(JSON.stringify(payload)));
  const b64 = gz.toString("base64");
  if (b64.length > MAX_PAYLOAD_BASE64) {
    throw new ResultError(`the result payload is ${b64.length} base64 characters, over the ${MAX_PAYLOAD_BASE64} a container log can safely carry`);
  }
  const n = Math.max(1, Math.ceil(b64.length / CHUNK_CHARS));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`RLA-RESULT:${nonce}:${i + 1}/${n}:${b64.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS)}`);
  const summary: Summary = { v: 1, outcome: compactOutcome(payload.outcome), sha256: createHash("sha256").update(gz).digest("hex"), chunks: n };
  const terminationMessage = JSON.stringify(summary);
  if (Buffer.byteLength(terminationMessage) > TERMINATION_MESSAGE_LIMIT) throw new ResultError("the outcome summary does not fit the 4096-byte termination message");
  return { lines, terminationMessage };
}

/** Referee side: the termination message for a platform failure (cut to fit 4096 bytes). */
export function frameFailure(error: string): string {
  let text = error;
  for (;;) {
    const message = JSON.stringify({ v: 1, error: text } satisfies Summary);
    if (Buffer.byteLength(message) <= TERMINATION_MESSAGE_LIMIT) return message;
    text = text.slice(0, Math.floor(text.length * 0.8)) + "…";
  }
}

/** Outcome with its free-text fields cut so the summary always fits. */
function compactOutcome(o: MatchOutcome): MatchOutcome {
  const out: MatchOutcome = { winner: o.winner, scores: o.scores.slice(0, 16), end_reason: String(o.end_reason).slice(0, 200), total_steps: o.total_steps };
  if (o.faulted_player !== undefined) out.faulted_player = o.faulted_player;
  return out;
}

/**
 * Worker side: parses the referee's termination message and log. Returns the payload with the
 * termination message's outcome; throws ResultError when the referee reported a failure, or
 * the frames are missing, duplicated, or do not hash to what the termination message says.
 */
export function readResult(terminationMessage: string | undefined, log: string, nonce: string): RefereePayload {
  if (!terminationMessage) throw new ResultError("the referee left no termination message");
  let summary: Summary;
  try {
    summary = JSON.parse(terminationMessage) as Summary;
  } catch {
    throw new ResultError(`the referee's termination message is not JSON: ${JSON.stringify(terminationMessage.slice(0, 200))}`);
  }
  if (summary?.v !== 1) throw new ResultError("the referee's termination message has an unknown version");
  if (typeof summary.error === "string") throw new ResultError(`the referee failed: ${summary.error}`);
  if (!summary.outcome || typeof summary.sha256 !== "string" || !Number.isInteger(summary.chunks) || summary.chunks! < 1) {
    throw new ResultError("the referee's termination message lacks outcome, sha256 or chunks");
  }
  const n = summary.chunks!;
  const prefix = `RLA-RESULT:${nonce}:`;
  const chunks = new Array<string | undefined>(n);
  for (const raw of log.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!line.startsWith(prefix)) continue;
    const m = /^(\d+)\/(\d+):([A-Za-z0-9+/=]*)$/.exec(line.slice(prefix.length));
    if (!m || Number(m[2]) !== n) throw new ResultError(`a result line of the referee is malformed: ${JSON.stringify(line.slice(0, 80))}`);
    const i = Number(m[1]) - 1;
    if (i < 0 || i >= n) throw new ResultError(`result chunk ${i + 1} is out of range 1..${n}`);
    if (chunks[i] !== undefined) throw new ResultError(`result chunk ${i + 1} appears twice in the referee's log`);
    chunks[i] = m[3];
  }
  const missing = chunks.findIndex((c) => c === undefined);
  if (missing !== -1) throw new ResultError(`result chunk ${missing + 1} of ${n} is missing from the referee's log`);
  const gz = Buffer.from(chunks.join(""), "base64");
  const sha = createHash("sha256").update(gz).digest("hex");
  if (sha !== summary.sha256) throw new ResultError(`the result payload hashes to ${sha.slice(0, 12)}… but the termination message says ${summary.sha256.slice(0, 12)}…`);
  let payload: RefereePayload;
  try {
    payload = JSON.parse(gunzipSync(gz, { maxOutputLength: MAX_UNZIPPED }).toString("utf8")) as RefereePayload;
  } catch (e) {
    throw new ResultError(`the result payload cannot be decoded: ${(e as Error).message}`);
  }
  if (!Array.isArray(payload.logs)) throw new ResultError("the result payload has no logs array");
  return { outcome: summary.outcome, replay: payload.replay, logs: payload.logs.map(String) };
}
