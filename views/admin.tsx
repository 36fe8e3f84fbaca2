import type { FC } from "hono/jsx";
import { Badge, Empty, Time } from "./components.tsx";
import { Layout, Section } from "./layout.tsx";
import type { MatchItem, Viewer } from "./models.ts";

export interface ReportTable {
  name: string;
  title: string;
  columns: string[];
  rows: unknown[][];
  error: string | null;
}
export interface AdminUser { id: string; username: string; email: string; role: string; disabled: boolean; createdAt: string }
export interface AdminAgent { id: string; name: string; environment: string; ownerName: string; disabled: boolean; rating: number }
export interface SettingRow { key: string; value: string; description: string }
export interface DeadJob { id: string; createdAt: string; data: string }

export interface AdminProps {
  viewer: Viewer;
  sandbox: { enabled: boolean; detail: string } | null;
  reports: ReportTable[];
  settings: SettingRow[];
  users: AdminUser[];
  agents: AdminAgent[];
  matches: MatchItem[];
  dead: DeadJob[];
}

const cell = (v: unknown) => (v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v));

const Post: FC<{ action: string; label: string; danger?: boolean }> = ({ action, label, danger }) => (
  <form method="post" action={action} class="inline"><button type="submit" class={`small ${danger ? "danger" : "secondary"}`}>{label}</button></form>
);

/** `/admin`: reports, settings, users, agents, matches, the dead-letter queue and the sandbox warning. */
export const AdminPage: FC<AdminProps> = ({ viewer, sandbox, reports, settings, users, agents, matches, dead }) => (
  <Layout title="Admin" viewer={viewer} nav="admin">
    <div class="page-head"><div><h1>Administration</h1><p>Operators change rules here without a deploy. <a href="/admin/system" id="system-link">Live system status</a></p></div></div>
    {sandbox && !sandbox.enabled && (
      <p class="notice bad" id="sandbox-warning"><b>The match sandbox is disabled.</b> Agents run without isolation: {sandbox.detail}</p>
    )}
    <Section title="Reports" id="reports">
      {reports.length === 0 && <Empty>No reports in sql/reports/.</Empty>}
      {reports.map((r) => (
        <details class="spaced" id={`report-${r.name}`}>
          <summary>{r.title} <span class="muted">({r.rows.length} rows)</span></summary>
          <p><a href={`/admin/reports/${r.name}.csv`} download>Download CSV</a></p>
          {r.error ? <p class="form-error">{r.error}</p> : (
            <div class="table-wrap"><table>
              <thead><tr>{r.columns.map((c) => <th>{c}</th>)}</tr></thead>
              <tbody>{r.rows.map((row) => <tr>{row.map((v) => <td>{cell(v)}</td>)}</tr>)}</tbody>
            </table></div>
          )}
        </details>
      ))}
    </Section>
    <Section title="Settings" id="settings">
      <div class="table-wrap"><table>
        <thead><tr><th>Key</th><th>Value (JSON)</th><th>Meaning</th></tr></thead>
        <tbody>{settings.map((s) => (
          <tr>
            <td><code>{s.key}</code></td>
            <td>
              <form method="post" action="/admin/settings" class="actions">
                <input type="hidden" name="key" value={s.key} />
                <input type="text" name="value" value={s.value} aria-label={`value of ${s.key}`} />
                <button type="submit" class="small secondary">Save</button>
              </form>
            </td>
            <td class="muted">{s.description}</td>
          </tr>
        ))}</tbody>
      </table></div>
    </Section>
    <Section title="Users" id="users">
      <div class="table-wrap"><table>
        <thead><tr><th>User</th><th>Email</th><th>Role</th><th>Joined</th><th></th></tr></thead>
        <tbody>{users.map((u) => (
          <tr id={`user-${u.id}`}>
            <td><a href={`/users/${u.username}`}>{u.username}</a> {u.disabled && <Badge status="disabled" />}</td>
            <td>{u.email}</td><td>{u.role}</td><td><Time at={u.createdAt} /></td>
            <td>{u.disabled ? <Post action={`/admin/users/${u.id}/enable`} label="Enable" /> : <Post action={`/admin/users/${u.id}/disable`} label="Disable" danger />}</td>
          </tr>
        ))}</tbody>
      </table></div>
    </Section>
    <Section title="Agents" id="agents">
      <div class="table-wrap"><table>
        <thead><tr><th>Agent</th><th>Environment</th><th>Owner</th><th class="num">Rating</th><th></th></tr></thead>
        <tbody>{agents.map((a) => (
          <tr id={`agent-${a.id}`}>
            <td><a href={`/agents/${a.id}`}>{a.name}</a> {a.disabled && <Badge status="disabled" />}</td>
            <td>{a.environment}</td><td>{a.ownerName}</td><td class="num">{a.rating}</td>
            <td>{a.disabled ? <Post action={`/admin/agents/${a.id}/enable`} label="Enable" /> : <Post action={`/admin/agents/${a.id}/disable`} label="Disable" danger />}</td>
          </tr>
        ))}</tbody>
      </table></div>
    </Section>
    <Section title="Recent matches" id="admin-matches">
      <div class="table-wrap"><table>
        <thead><tr><th>Match</th><th>Status</th><th>Created</th><th></th></tr></thead>
        <tbody>{matches.map((m) => (
          <tr id={`match-${m.id}`}>
            <td><a href={`/matches/${m.id}`}>{m.players[0].agentName} vs {m.players[1].agentName}</a> <span class="muted">{m.environment}</span></td>
            <td><Badge status={m.status} />{m.error && <div class="muted">{m.error}</div>}</td>
            <td><Time at={m.createdAt} /></td>
            <td class="actions">
              {(m.status === "pending" || m.status === "running") && <Post action={`/admin/matches/${m.id}/cancel`} label="Cancel" danger />}
              {(m.status === "completed" || m.status === "failed") && <Post action={`/admin/matches/${m.id}/rerun`} label="Re-run" />}
            </td>
          </tr>
        ))}</tbody>
      </table></div>
    </Section>
    <Section title="Dead-letter queue" id="dead-letter">
      {dead.length === 0 ? <Empty>No failed jobs.</Empty> : (
        <div class="table-wrap"><table>
          <thead><tr><th>Job</th><th>Failed</th><th>Payload</th></tr></thead>
          <tbody>{dead.map((d) => <tr><td><code>{d.id}</code></td><td><Time at={d.createdAt} /></td><td><code>{d.data}</code></td></tr>)}</tbody>
        </table></div>
      )}
    </Section>
  </Layout>
);
