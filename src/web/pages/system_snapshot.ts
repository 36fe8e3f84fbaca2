import type { Sql } from "postgres";
import type { SystemSnapshot } from "../../../views/admin_system.tsx";
import { httpDuration, matchesRunning, sseSubscribers } from "../../metrics.ts";

/**
 * Everything the admin system page shows, gathered in one go: platform-wide numbers from the
 * database (matches, builds, queues, failing agents) and this process's own numbers from its
 * Prometheus registry (SSE clients, running matches, slowest routes, memory).
 */
export async function systemSnapshot(sql: Sql, sandbox: { enabled: boolean; detail: string } | null): Promise<SystemSnapshot> {
  const pingStarted = performance.now();
  const [db] = await sql`
    select pg_database_size(current_database())::float8 as bytes,
           (select count(*)::int from pg_stat_activity where datname = current_database()) as connections,
           current_setting('server_version') as version`;
  const pingMs = performance.now() - pingStarted;

  const [matches] = await sql`select * from match_activity(interval '1 hour')`;
  const [builds] = await sql`select * from build_activity(interval '1 hour')`;
  const queues = await sql`select * from job_queue_stats()`;
  // Agents that lost by their own fault in the last hour (is_forfeit, details.faulted_player).
  const failing = await sql`select * from forfeiting_agents(interval '1 hour', 10)`;

  return {
    takenAt: new Date().toISOString(),
    sandbox,
    database: { pingMs, bytes: db!.bytes, connections: db!.connections, version: db!.version },
    matches: {
      pending: matches!.pending, running: matches!.running, completedHour: matches!.completed,
      failedHour: matches!.failed, forfeitsHour: matches!.forfeits, meanSeconds: matches!.mean_seconds,
    },
    builds: { okHour: builds!.built, failedHour: builds!.failed, waiting: builds!.waiting },
    queues: queues.map((q) => ({ name: q.queue, waiting: q.waiting, active: q.active, failedHour: q.failed_hour, oldestSeconds: q.oldest_waiting_s })),
    failingAgents: failing.map((f) => ({ id: f.agent_id, name: f.agent_name, environment: f.environment_id, forfeits: f.forfeits, crashes: f.crashes, timeouts: f.timeouts })),
    process: {
      sseSubscribers: await gaugeTotal(sseSubscribers),
      runningMatches: await gaugeTotal(matchesRunning),
      rssBytes: process.memoryUsage().rss,
      uptimeSeconds: process.uptime(),
    },
    slowestRoutes: await slowestRoutes(),
  };
}

async function gaugeTotal(gauge: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await gauge.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** Per route pattern: requests, mean and an approximate p95 from the histogram's buckets. */
async function slowestRoutes(): Promise<SystemSnapshot["slowestRoutes"]> {
  const { values } = await httpDuration.get();
  const routes = new Map<string, { count: number; sum: number; buckets: Map<number, number> }>();
  for (const v of values) {
    const route = `${v.labels.method} ${v.labels.route}`;
    if (v.labels.route === "/metrics" || v.labels.route === "/health") continue;
    const r = routes.get(route) ?? { count: 0, sum: 0, buckets: new Map<number, number>() };
    routes.set(route, r);
    if (v.metricName?.endsWith("_count")) r.count += v.value;
    else if (v.metricName?.endsWith("_sum")) r.sum += v.value;
    else if (v.metricName?.endsWith("_bucket")) {
      const bound = (v.labels as Record<string, string | number>).le;
      const le = bound === "+Inf" ? Infinity : Number(bound);
      r.buckets.set(le, (r.buckets.get(le) ?? 0) + v.value);
    }
  }
  const out = [...routes].filter(([, r]) => r.count > 0).map(([route, r]) => {
    const target = r.count * 0.95;
    const p95 = [...r.buckets].sort((a, b) => a[0] - b[0]).find(([, n]) => n >= target)?.[0] ?? Infinity;
    return { route, requests: r.count, meanMs: (r.sum / r.count) * 1000, p95Ms: p95 === Infinity ? null : p95 * 1000 };
  });
  return out.sort((a, b) => b.meanMs - a.meanMs).slice(0, 8);
}
