import type { FC } from "hono/jsx";
import { Badge, Empty, Time } from "./components.tsx";
import { Section, type PageHead } from "./layout.tsx";
import type { MatchItem } from "./models.ts";

export interface ReportTable {
  name: string;
  title: string;
  purpose?: string;
  columns: string[];
  rows: unknown[][];
  error: string | null;
}
export interface AdminUser { id: string; username: string; email: string; role: string; disabled: boolean; createdAt: string }
export interface AdminAgent { id: string; name: string; environment: string; ownerName: string; disabled: boolean; rating: number }
/** processValue: this web process's environment override (MATCH_COOLDOWN_S…), which wins here until it restarts without it. */
export interface SettingRow { key: string; value: string; description: string; processValue?: string | null }
export interface DeadJob { id: string; createdAt: string; data: string }

export interface AdminProps {
  sandbox: { enabled: boolean; detail: string } | null;
  reports: ReportTable[];
  settings: SettingRow[];
  users: AdminUser[];
  agents: AdminAgent[];
  matches: MatchItem[];
  dead: DeadJob[];
}

const cell = (v: unknown) => (v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v));

/**
 * One admin action. With htmx the answer is the changed row (hx-target: the closest row), with
 * its notice, so the result shows at once; without JavaScript it is a plain post and a redirect.
 * `confirm` asks first (htmx 4 hx-confirm: a plain text is shown with window.confirm).
 */
const Post: FC<{ action: string; label: string; danger?: boolean; confirm?: string }> = ({ action, label, danger, confirm }) => (
  <form method="post" action={action} class="inline" hx-post={action} hx-target="closest tr" hx-swap="outerHTML" hx-confirm={confirm}>
    <button type="submit" class={`small ${danger ? "danger" : "secondary"}`}>{label}</button>
  </form>
);

/** What an action did, shown in the row it changed (role=status: screen readers announce it). */
const Notice: FC<{ text?: string; error?: boolean }> = ({ text, error }) =>
  text ? <span class={error ? "field-error" : "ok notice-inline"} role={error ? "alert" : "status"}>{text}</span> : null;

export const SettingRowView: FC<{ s: SettingRow; notice?: string; error?: string }> = ({ s, notice, error }) => (
  <tr id={`setting-${s.key}`}>
    <td><code>{s.key}</code></td>
    <td>
      <form method="post" action="/admin/settings" class="actions" hx-post="/admin/settings" hx-target="closest tr" hx-swap="outerHTML">
        <input type="hidden" name="key" value={s.key} />
        <input type="text" name="value" value={s.value} aria-label={`value of ${s.key}`} />
        <button type="submit" class="small secondary">Save</button>
        <Notice text={notice} />
        <Notice text={error} error />
      </form>
    </td>
    <td class="muted">{s.description}{s.processValue != null && (
      <> <b class="overridden">Overridden by the environment: {s.processValue} in this process (not stored; gone after a restart without it).</b></>
    )}</td>
  </tr>
);

export const UserRow: FC<{ u: AdminUser; notice?: string }> = ({ u, notice }) => (
  <tr id={`user-${u.id}`}>
    <td><a href={`/users/${u.username}`}>{u.username}</a> {u.disabled && <Badge status="disabled" />}</td>
    <td>{u.email}</td><td>{u.role}</td><td><Time at={u.createdAt} /></td>
    <td class="actions">
      {u.disabled ? <Post action={`/admin/users/${u.id}/enable`} label="Enable" />
        : <Post action={`/admin/users/${u.id}/disable`} label="Disable" danger
            confirm={`Disable ${u.username}? Their sessions end and their agents stop playing until you enable them again.`} />}
      <Notice text={notice} />
    </td>
  </tr>
);

export const AgentRow: FC<{ a: AdminAgent; notice?: string }> = ({ a, notice }) => (
  <tr id={`agent-${a.id}`}>
    <td><a href={`/agents/${a.id}`}>{a.name}</a> {a.disabled && <Badge status="disabled" />}</td>
    <td>{a.environment}</td><td>{a.ownerName}</td><td class="num">{a.rating}</td>
    <td class="actions">
      {a.disabled ? <Post action={`/admin/agents/${a.id}/enable`} label="Enable" />
        : <Post action={`/admin/agents/${a.id}/disable`} label="Disable" danger
            confirm={`Disable the agent ${a.name}? It leaves matchmaking until you enable it again.`} />}
      <Notice text={notice} />
    </td>
  </tr>
);

/** A recent match; only a failed match can be re-run (rerun_match), as a new match. */
export const AdminMatchRow: FC<{ m: MatchItem; notice?: string; rerunId?: string }> = ({ m, notice, rerunId }) => (
  <tr id={`match-${m.id}`}>
    <td><a href={`/matches/${m.id}`}>{m.players[0].agentName} vs {m.players[1].agentName}</a> <span class="muted">{m.environment}</span></td>
    <td><Badge status={m.status} />{m.error && <div class="muted">{m.error}</div>}</td>
    <td><Time at={m.createdAt} /></td>
    <td class="actions">
      {(m.status === "pending" || m.status === "running") && <Post action={`/admin/matches/${m.id}/cancel`} label="Cancel" danger
        confirm={`Cancel the match ${m.players[0].agentName} vs ${m.players[1].agentName}? It ends as failed and no rating changes.`} />}
      {m.status === "failed" && !rerunId && <Post action={`/admin/matches/${m.id}/rerun`} label="Re-run"
        confirm={`Re-run ${m.players[0].agentName} vs ${m.players[1].agentName}? A new match is played between them.`} />}
      <Notice text={notice} />
      {rerunId && <a href={`/matches/${rerunId}`} class="rerun-link">the new match</a>}
    </td>
  </tr>
);

/** `/admin`'s head. */
export const adminHead: PageHead = { title: "Admin", nav: "admin" };

/** `/admin`: reports, settings, users, agents, matches, the dead-letter queue and the sandbox warning. */
export const AdminPage: FC<AdminProps> = ({ sandbox, reports, settings, users, agents, matches, dead }) => (
  <>
    <div class="page-head"><div><h1>Administration</h1><p>Operators change rules here without a deploy. <a href="/admin/system" id="system-link">Live system status</a></p></div></div>
    {sandbox && !sandbox.enabled && (
      <p class="notice bad" id="sandbox-warning"><b>The match sandbox is disabled.</b> Agents run without isolation: {sandbox.detail}</p>
    )}
    <Section title="Reports" id="reports">
      {reports.length === 0 && <Empty>No reports in sql/reports/.</Empty>}
      {reports.map((r) => (
        <details class="spaced" id={`report-${r.name}`}>
          <summary>{r.title} <span class="muted">({r.rows.length} {r.rows.length === 1 ? "row" : "rows"})</span></summary>
          {r.purpose && <p class="muted">{r.purpose}</p>}
          <p><a href={`/admin/reports/${r.name}.csv`} download>Download CSV</a></p>
          {r.error ? <p class="form-error">{r.error}</p> : (
            <div class="table-wrap" tabindex={0}><table>
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
        <tbody>{settings.map((s) => <SettingRowView s={s} />)}</tbody>
      </table></div>
    </Section>
    <Section title="Users" id="users">
      <div class="table-wrap"><table>
        <thead><tr><th>User</th><th>Email</th><th>Role</th><th>Joined</th><th></th></tr></thead>
        <tbody>{users.map((u) => <UserRow u={u} />)}</tbody>
      </table></div>
    </Section>
    <Section title="Agents" id="agents">
      <div class="table-wrap"><table>
        <thead><tr><th>Agent</th><th>Environment</th><th>Owner</th><th class="num">Rating</th><th></th></tr></thead>
        <tbody>{agents.map((a) => <AgentRow a={a} />)}</tbody>
      </table></div>
    </Section>
    <Section title="Recent matches" id="admin-matches">
      <div class="table-wrap"><table>
        <thead><tr><th>Match</th><th>Status</th><th>Created</th><th></th></tr></thead>
        <tbody>{matches.map((m) => <AdminMatchRow m={m} />)}</tbody>
      </table></div>
    </Section>
    <Section title="Dead-letter queue" id="dead-letter">
      {dead.length === 0 ? <Empty>No failed jobs.</Empty> : (
        <div class="table-wrap" tabindex={0}><table>
          <thead><tr><th>Job</th><th>Failed</th><th>Payload</th></tr></thead>
          <tbody>{dead.map((d) => <tr><td><code>{d.id}</code></td><td><Time at={d.createdAt} /></td><td><code>{d.data}</code></td></tr>)}</tbody>
        </table></div>
      )}
    </Section>
  </>
);
