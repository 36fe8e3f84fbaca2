import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Sql } from "postgres";
import { POOL_APPLICATION_NAME } from "./db/client.ts";

/**
 * Every Prometheus metric of the process, in one registry. Labels are bounded on purpose:
 * route patterns (never raw paths), environment ids, end reasons, outcomes, queue names —
 * never user, agent or match ids.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "rla_process_" });

export const httpDuration = new Histogram({
  name: "rla_http_request_duration_seconds",
  help: "HTTP request duration by route pattern and status class",
  labelNames: ["method", "route", "status_class"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const matchesStarted = new Counter({
  name: "rla_matches_started_total",
  help: "Matches whose play started, by environment",
  labelNames: ["environment"] as const,
  registers: [registry],
});

export const matchesFinished = new Counter({
  name: "rla_matches_finished_total",
  help: "Matches that ended, by environment, status (completed|failed) and end_reason",
  labelNames: ["environment", "status", "end_reason"] as const,
  registers: [registry],
});

export const matchDuration = new Histogram({
  name: "rla_match_duration_seconds",
  help: "Wall time of a match from start to recorded result",
  labelNames: ["environment"] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  registers: [registry],
});

export const agentStepDuration = new Histogram({
  name: "rla_agent_step_seconds",
  help: "Time an agent took to answer one step, by environment",
  labelNames: ["environment"] as const,
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const agentMemoryPeak = new Histogram({
  name: "rla_agent_memory_peak_bytes",
  help: "Most memory one agent's processes used at once during a match (memory cgroups only), by environment",
  labelNames: ["environment"] as const,
  buckets: [16, 32, 64, 128, 256, 512, 1024, 2048].map((mb) => mb * 1024 * 1024),
  registers: [registry],
});

export const agentOomKills = new Counter({
  name: "rla_agent_oom_kills_total",
  help: "Agent processes the kernel's OOM killer ended at their memory cgroup's limit, by environment",
  labelNames: ["environment"] as const,
  registers: [registry],
});

export const buildsFinished = new Counter({
  name: "rla_builds_total",
  help: "Submission builds, by outcome (active|failed|error)",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const buildDuration = new Histogram({
  name: "rla_build_duration_seconds",
  help: "Wall time of a submission build including its validation match",
  labelNames: ["outcome"] as const,
  buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  registers: [registry],
});

export const matchesRunning = new Gauge({
  name: "rla_matches_running",
  help: "Matches being played by this process right now, by executor",
  labelNames: ["executor"] as const,
  registers: [registry],
});

let sseCount: () => number = () => 0;

/** The live hub tells the gauge how to count its subscribers (read at scrape time). */
export function countSseSubscribersWith(count: () => number): void {
  sseCount = count;
}

export const sseSubscribers = new Gauge({
  name: "rla_sse_subscribers",
  help: "Open server-sent-event streams on this process",
  registers: [registry],
  collect() {
    this.set(sseCount());
  },
});

const queueDepth = new Gauge({
  name: "rla_queue_jobs",
  help: "pg-boss jobs waiting (created or retry) or active, by queue and state",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
});

const queueOldest = new Gauge({
  name: "rla_queue_oldest_job_age_seconds",
  help: "Age of the oldest waiting job of each pg-boss queue (0 when none)",
  labelNames: ["queue"] as const,
  registers: [registry],
});

const dbConnections = new Gauge({
  name: "rla_db_connections",
  help: "Connections to the database by our processes, by application and state (from pg_stat_activity)",
  labelNames: ["application", "state"] as const,
  registers: [registry],
});

const dbPool = new Gauge({
  name: "rla_db_pool_connections",
  help: "This process's database pool: connections in use (active or in a transaction) and idle",
  labelNames: ["state"] as const,
  registers: [registry],
});

const dbUp = new Gauge({ name: "rla_db_up", help: "1 when the database answered the last scrape", registers: [registry] });

/** Reads the database-side numbers (queues, connections) just before a scrape. */
export async function collectDatabaseMetrics(sql: Sql): Promise<void> {
  try {
    const queues = await sql`
      select q.name,
             count(j.id) filter (where j.state in ('created', 'retry'))::int as waiting,
             count(j.id) filter (where j.state = 'active')::int as active,
             coalesce(extract(epoch from now() - min(j.created_on) filter (where j.state in ('created', 'retry'))), 0)::float8 as oldest
      from pgboss.queue q left join pgboss.job j on j.name = q.name
      group by q.name`;
    queueDepth.reset();
    queueOldest.reset();
    for (const q of queues) {
      queueDepth.set({ queue: q.name, state: "waiting" }, q.waiting);
      queueDepth.set({ queue: q.name, state: "active" }, q.active);
      queueOldest.set({ queue: q.name }, q.oldest);
    }
    const conns = await sql`
      select regexp_replace(application_name, ':[0-9]+$', '') as app, coalesce(state, 'unknown') as state, count(*)::int as n
      from pg_stat_activity where datname = current_database() and application_name like 'rl-arena%'
      group by 1, 2`;
    dbConnections.reset();
    for (const c of conns) dbConnections.set({ application: c.app, state: c.state }, c.n);
    const [pool] = await sql`
      select count(*) filter (where state <> 'idle' and pid <> pg_backend_pid())::int as in_use,
             count(*) filter (where state = 'idle')::int as idle
      from pg_stat_activity where application_name = ${POOL_APPLICATION_NAME}`;
    dbPool.set({ state: "in_use" }, pool!.in_use);
    dbPool.set({ state: "idle" }, pool!.idle);
    dbUp.set(1);
  } catch {
    dbUp.set(0);
  }
}
