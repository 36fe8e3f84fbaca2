import type { FC } from "hono/jsx";
import { Section, type PageHead } from "./layout.tsx";

/** What the admin system page shows; gathered by src/web/pages/system_snapshot.ts. */
export interface SystemSnapshot {
  takenAt: string;
  sandbox: { enabled: boolean; detail: string } | null;
  database: { pingMs: number; bytes: number; connections: number; version: string };
  matches: { pending: number; running: number; completedHour: number; failedHour: number; forfeitsHour: number; meanSeconds: number };
  builds: { okHour: number; failedHour: number; waiting: number };
  queues: Array<{ name: string; waiting: number; active: number; failedHour: number; oldestSeconds: number }>;
  failingAgents: Array<{ id: string; name: string; environment: string; forfeits: number; crashes: number; timeouts: number }>;
  process: { sseSubscribers: number; runningMatches: number; rssBytes: number; uptimeSeconds: number };
  slowestRoutes: Array<{ route: string; requests: number; meanMs: number; p95Ms: number | null }>;
}

const fmt = {
  int: (n: number) => Math.round(n).toLocaleString("en-US"),
  ms: (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0)) + " ms",
  seconds: (s: number) => (s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${(s / 3600).toFixed(1)} h`),
  bytes: (b: number) => (b < 1 << 20 ? `${(b / 1024).toFixed(0)} KB` : b < 1 << 30 ? `${(b / (1 << 20)).toFixed(1)} MB` : `${(b / (1 << 30)).toFixed(2)} GB`),
  percent: (part: number, whole: number) => (whole === 0 ? "—" : `${((100 * part) / whole).toFixed(0)}%`),
};

const Stat: FC<{ label: string; value: string; id: string; warn?: boolean }> = ({ label, value, id, warn }) => (
  <div class={warn ? "stat warn" : "stat"} data-stat={id}>
    <b>{value}</b>
    <span>{label}</span>
  </div>
);

/** The part of the page that the stream replaces every few seconds. */
export const SystemPanel: FC<{ s: SystemSnapshot }> = ({ s }) => {
  const builds = s.builds.okHour + s.builds.failedHour;
  return (
    <div class="system-panel" data-taken-at={s.takenAt}>
      {s.sandbox && !s.sandbox.enabled && (
        <p class="notice warn" id="sandbox-warning">
          <strong>Sandbox disabled:</strong> {s.sandbox.detail}
        </p>
      )}
      <Section title="Headline">
        <div class="stats">
          <Stat id="matches-running" label="matches running" value={fmt.int(s.matches.running)} />
          <Stat id="matches-pending" label="matches pending" value={fmt.int(s.matches.pending)} />
          <Stat id="matches-completed-hour" label="completed, last hour" value={fmt.int(s.matches.completedHour)} />
          <Stat id="matches-failed-hour" label="failed, last hour" value={fmt.int(s.matches.failedHour)} warn={s.matches.failedHour > 0} />
          <Stat id="forfeit-rate" label="forfeit rate, last hour" value={fmt.percent(s.matches.forfeitsHour, s.matches.completedHour)} />
          <Stat id="match-mean" label="mean match time" value={s.matches.meanSeconds ? fmt.seconds(s.matches.meanSeconds) : "—"} />
          <Stat id="build-success" label="build success, last hour" value={fmt.percent(s.builds.okHour, builds)} warn={s.builds.failedHour > s.builds.okHour} />
          <Stat id="builds-waiting" label="builds waiting" value={fmt.int(s.builds.waiting)} />
          <Stat id="sse-subscribers" label="live connections (this process)" value={fmt.int(s.process.sseSubscribers)} />
          <Stat id="running-here" label="matches on this process" value={fmt.int(s.process.runningMatches)} />
        </div>
      </Section>
      <Section title="Database">
        <div class="stats">
          <Stat id="db-ping" label="round trip" value={fmt.ms(s.database.pingMs)} warn={s.database.pingMs > 100} />
          <Stat id="db-connections" label="connections" value={fmt.int(s.database.connections)} />
          <Stat id="db-size" label="size" value={fmt.bytes(s.database.bytes)} />
          <Stat id="db-version" label="PostgreSQL" value={s.database.version} />
          <Stat id="rss" label="memory of this process" value={fmt.bytes(s.process.rssBytes)} />
          <Stat id="uptime" label="uptime of this process" value={fmt.seconds(s.process.uptimeSeconds)} />
        </div>
      </Section>
      <Section title="Queues">
        {/* tabindex: a table that scrolls in its box must be scrollable from the keyboard. */}
        <div class="table-wrap" tabindex={0}><table class="table" id="queue-health">
          <thead>
            <tr><th>queue</th><th>waiting</th><th>active</th><th>failed, last hour</th><th>oldest waiting</th></tr>
          </thead>
          <tbody>
            {s.queues.map((q) => (
              <tr data-queue={q.name} class={q.oldestSeconds > 300 ? "warn" : undefined}>
                <td><code>{q.name}</code></td>
                <td>{fmt.int(q.waiting)}</td>
                <td>{fmt.int(q.active)}</td>
                <td>{fmt.int(q.failedHour)}</td>
                <td>{q.waiting ? fmt.seconds(q.oldestSeconds) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      </Section>
      <Section title="Slowest routes (this process)">
        {s.slowestRoutes.length === 0 ? <p class="muted">No requests yet.</p> : (
          <div class="table-wrap" tabindex={0}><table class="table" id="slowest-routes">
            <thead><tr><th>route</th><th>requests</th><th>mean</th><th>p95 (≤)</th></tr></thead>
            <tbody>
              {s.slowestRoutes.map((r) => (
                <tr><td><code>{r.route}</code></td><td>{fmt.int(r.requests)}</td><td>{fmt.ms(r.meanMs)}</td><td>{r.p95Ms === null ? "> 5 s" : fmt.ms(r.p95Ms)}</td></tr>
              ))}
            </tbody>
          </table></div>
        )}
      </Section>
      <Section title="Failing agents (forfeits in the last hour)">
        {s.failingAgents.length === 0 ? <p class="muted" id="no-failing-agents">No agent forfeited in the last hour.</p> : (
          <div class="table-wrap" tabindex={0}><table class="table" id="failing-agents">
            <thead><tr><th>agent</th><th>environment</th><th>forfeits</th><th>crashes</th><th>timeouts</th></tr></thead>
            <tbody>
              {s.failingAgents.map((a) => (
                <tr><td><a href={`/agents/${a.id}`}>{a.name}</a></td><td>{a.environment}</td><td>{a.forfeits}</td><td>{a.crashes}</td><td>{a.timeouts}</td></tr>
              ))}
            </tbody>
          </table></div>
        )}
      </Section>
      <p class="muted small">Updated {s.takenAt.replace("T", " ").slice(0, 19)} UTC · Prometheus: <a href="/metrics">/metrics</a></p>
    </div>
  );
};

/** `/admin/system`'s head. */
export const systemHead: PageHead = { title: "System", nav: "admin" };

/**
 * The admin system page. The panel is an `hx-sse:connect` element: every few seconds the
 * server sends a fresh panel as an unnamed SSE message, which htmx 4 swaps into it.
 */
export const SystemPage: FC<{ snapshot: SystemSnapshot; everySeconds: number }> = ({ snapshot, everySeconds }) => (
  <>
    <div class="page-head">
      <h1>System</h1>
      <p class="muted">
        Live every {everySeconds} s. <a href="/admin">Back to admin</a>
      </p>
    </div>
    <div id="system" hx-sse:connect="/admin/system/stream" hx-swap="innerHTML">
      <SystemPanel s={snapshot} />
    </div>
  </>
);
