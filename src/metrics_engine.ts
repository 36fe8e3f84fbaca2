import { engineEvents } from "./executor/engine_events.ts";
import {
  agentMemoryPeak, agentOomKills, agentStepDuration, buildDuration, buildsFinished, matchDuration, matchesFinished, matchesRunning, matchesStarted,
} from "./metrics.ts";

let subscribed = false;

/**
 * Turns the engine room's in-process events into Prometheus metrics. Idempotent: a process
 * subscribes once however many times it is called.
 */
export function subscribeEngineMetrics(executor: string): void {
  if (subscribed) return;
  subscribed = true;
  const started = new Map<string, number>();
  engineEvents.on("match.started", (e) => {
    matchesStarted.inc({ environment: e.environment });
    matchesRunning.inc({ executor });
    started.set(e.matchId, performance.now());
  });
  const ended = (matchId: string) => {
    if (!started.has(matchId)) return null;
    const ms = performance.now() - started.get(matchId)!;
    started.delete(matchId);
    matchesRunning.dec({ executor });
    return ms / 1000;
  };
  engineEvents.on("match.finished", (e) => {
    matchesFinished.inc({ environment: e.environment, status: "completed", end_reason: e.endReason });
    const seconds = ended(e.matchId);
    matchDuration.observe({ environment: e.environment }, seconds ?? e.wallMs / 1000);
  });
  engineEvents.on("match.failed", (e) => {
    matchesFinished.inc({ environment: e.environment ?? "unknown", status: "failed", end_reason: "platform_error" });
    ended(e.matchId);
  });
  engineEvents.on("agent.step", (e) => {
    agentStepDuration.observe({ environment: e.environment }, e.ms / 1000);
  });
  engineEvents.on("agent.memory", (e) => {
    if (e.peakBytes !== null) agentMemoryPeak.observe({ environment: e.environment }, e.peakBytes);
    if (e.oomKills > 0) agentOomKills.inc({ environment: e.environment }, e.oomKills);
  });
  engineEvents.on("build.finished", (e) => {
    const outcome = e.ok ? "active" : "failed";
    buildsFinished.inc({ outcome });
    buildDuration.observe({ outcome }, e.durationMs / 1000);
  });
}
