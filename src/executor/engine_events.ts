/**
 * In-process events of the engine room, for metrics and logs. Emitting never throws: a
 * listener's error is caught and printed, so a broken metric cannot fail a match.
 */
import { EventEmitter } from "node:events";

export interface EngineEvents {
  "match.started": { matchId: string; environment: string; attempt: number };
  "match.finished": {
    matchId: string; environment: string; endReason: string; winner: number | null; totalSteps: number;
    wallMs: number; loopMs: number; meanStepMs: number[]; maxStepMs: number[]; leftoverProcesses: number;
  };
  /** One agent answered one step in `ms` (per-step response-time histogram). */
  "agent.step": { environment: string; ms: number };
  /** One agent's memory cgroup after its match (only where agents get one): peak bytes and OOM kills. */
  "agent.memory": { environment: string; peakBytes: number | null; oomKills: number };
  "match.failed": { matchId: string; environment: string | null; error: string };
  /** A match job found its match already completed or failed (a retry after a crash): nothing was done. */
  "match.skipped": { matchId: string; reason: string };
  "build.started": { submissionId: string; environment: string };
  "build.finished": { submissionId: string; environment: string; ok: boolean; language: string | null; durationMs: number; error: string | null };
  "matchmaking.tick": { environment: string; paired: number; durationMs: number };
  "housekeeping.done": { result: Record<string, unknown>; durationMs: number };
  "job.failed": { queue: string; jobId: string; error: string; retryCount: number };
}

export type EngineEventName = keyof EngineEvents;

class EngineEmitter extends EventEmitter {
  override emit<K extends EngineEventName>(name: K, payload: EngineEvents[K]): boolean {
    try {
      return super.emit(name, payload);
    } catch (error) {
      process.stderr.write(`engineEvents listener for ${name} threw: ${(error as Error).stack ?? error}\n`);
      return true;
    }
  }
  override on<K extends EngineEventName>(name: K, listener: (payload: EngineEvents[K]) => void): this {
    return super.on(name, listener as (...args: unknown[]) => void);
  }
  override off<K extends EngineEventName>(name: K, listener: (payload: EngineEvents[K]) => void): this {
    return super.off(name, listener as (...args: unknown[]) => void);
  }
}

/** Subscribe with `engineEvents.on("match.finished", (e) => …)`. */
export const engineEvents = new EngineEmitter();
engineEvents.setMaxListeners(50);
