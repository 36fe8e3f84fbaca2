/**
 * matchmaking.tick {environment}: one pair_agents(environment) call, which pairs, creates the
 * matches and enqueues their match.run jobs in one transaction; then refit_skills_when_due
 * (sql/skills.sql), which refits the environment's skill estimates when a match ended since the
 * last fit and skill_refit_interval_s has passed; and advance_version_tests (sql/version_tests.sql).
 *
 * pg-boss cron is minute-granular and the interval is 30 s by default (and per environment),
 * so every worker process runs a small timer that offers a tick per environment when it is
 * due, sent with singletonKey = environment and singletonSeconds = the interval: pg-boss keeps
 * one job per environment per interval slot however many workers offer it, and the queue's
 * singleton policy lets only one run at a time. pair_agents also takes an advisory lock.
 */
import type { PgBoss, Job } from "pg-boss";
import type { Sql } from "postgres";
import { engineEvents } from "../executor/engine_events.ts";
import type { Logger } from "../log.ts";
import { QUEUES } from "./queues.ts";

export interface MatchmakingJobData {
  environment: string;
}

export async function runMatchmakingJob(deps: { sql: Sql; log: Logger }, job: Pick<Job<MatchmakingJobData>, "id" | "data">): Promise<number> {
  const environment = job.data?.environment;
  if (typeof environment !== "string") throw new Error(`matchmaking.tick job ${job.id} has no environment: ${JSON.stringify(job.data)}`);
  const started = Date.now();
  const rows = await deps.sql`select id from pair_agents(${environment})`;
  const durationMs = Date.now() - started;
  if (rows.length) deps.log.info("matchmaking paired agents", { environment, matches: rows.length, durationMs });
  engineEvents.emit("matchmaking.tick", { environment, paired: rows.length, durationMs });
  // "Is v2 better?" tests advance as their games end (a trigger); this catches any left waiting.
  await deps.sql`select advance_version_tests()`;
  const [fit] = await deps.sql`select results, agents, iterations from refit_skills_when_due(${environment}) where environment_id is not null`;
  if (fit) deps.log.info("skills refitted", { environment, results: fit.results, agents: fit.agents, iterations: fit.iterations });
  return rows.length;
}

/** Offers matchmaking ticks while running; `stop()` ends the timer. */
export function startMatchmakingTimer(deps: { sql: Sql; boss: PgBoss; log: Logger; checkEveryMs?: number }): { stop(): void } {
  const checkEveryMs = deps.checkEveryMs ?? 1000;
  const nextAt = new Map<string, number>();
  let envs: Array<{ id: string; interval: number }> = [];
  let envsReadAt = 0;
  let busy = false;
  let stopped = false;
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const now = Date.now();
      if (now - envsReadAt > 15_000) {
        envs = (await deps.sql<{ id: string; interval: string }[]>`
          select id, setting_number_for(id, 'matchmaking_interval_s')::text as interval from environments where enabled order by id`)
          .map((r) => ({ id: r.id, interval: Math.max(1, Math.round(Number(r.interval))) }));
        envsReadAt = now;
      }
      for (const env of envs) {
        if ((nextAt.get(env.id) ?? 0) > now) continue;
        nextAt.set(env.id, now + env.interval * 1000);
        await deps.boss.send(QUEUES.matchmaking, { environment: env.id }, { singletonKey: env.id, singletonSeconds: env.interval });
      }
    } catch (error) {
      if (!stopped) deps.log.warn("could not offer a matchmaking tick", { error });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), checkEveryMs);
  timer.unref();
  void tick();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
