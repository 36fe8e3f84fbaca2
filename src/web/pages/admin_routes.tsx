import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sql } from "postgres";
import { z } from "zod";
import { adminHead, AdminMatchRow, AdminPage, AgentRow, SettingRowView, UserRow, type AdminAgent, type AdminUser, type ReportTable, type SettingRow } from "../../../views/admin.tsx";
import { QUEUES } from "../../jobs/queues.ts";
import { SQL_DIR } from "../../paths.ts";
import { requireAdmin } from "../http/authentication.ts";
import { forgetSessions } from "../http/session_store.ts";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { formFields, isHtmx, pageApp, redirect, signedIn, uuidParam } from "./common.tsx";
import { getMatch, recentMatches } from "../queries.ts";

const REPORTS_DIR = join(SQL_DIR, "reports");
const REPORT_NAME = /^[a-z0-9_-]{1,64}$/;

/** The report files: name → SQL text. Read at request time so a new file needs no restart. */
function reportFiles(): Array<{ name: string; sql: string; title: string; purpose: string }> {
  let names: string[] = [];
  try {
    names = readdirSync(REPORTS_DIR).filter((f) => f.endsWith(".sql")).sort();
  } catch {
    return [];
  }
  return names.map((f) => {
    const sql = readFileSync(join(REPORTS_DIR, f), "utf8");
    // The header lines are `-- title: …` and `-- purpose: …`; older files have one plain comment.
    const title = (/^--\s*title:\s*(.+)$/m.exec(sql) ?? /^--\s*(.+)$/m.exec(sql))?.[1]?.trim() ?? f;
    const purpose = /^--\s*purpose:\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? "";
    return { name: f.replace(/\.sql$/, ""), sql, title, purpose };
  });
}

/** Runs one report in a read-only transaction with a statement timeout. */
async function runReport(sql: Sql, text: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  return sql.begin(async (tx) => {
    await tx`set transaction read only`;
    await tx`set local statement_timeout = '10s'`;
    const result = await tx.unsafe(text.replace(/;\s*$/, ""));
    const columns = result.columns?.map((c: { name: string }) => c.name) ?? [];
    return { columns, rows: result.map((r: Record<string, unknown>) => columns.map((c) => r[c])) };
  }) as Promise<{ columns: string[]; rows: unknown[][] }>;
}

/** Settings, users and agents as the admin page lists them; one row when `id`/`key` is given. */
async function settingRows(sql: Sql, key?: string): Promise<SettingRow[]> {
  const rows = await sql`select key, value::text as value, description, process_value::text as process_value
    from settings_in_effect where ${key === undefined ? sql`true` : sql`key = ${key}`} order by key`;
  return rows.map((s) => ({ key: s.key, value: s.value, description: s.description, processValue: s.process_value ?? null }));
}
async function userRows(sql: Sql, id?: string): Promise<AdminUser[]> {
  const rows = await sql`select id, username, email, role, disabled, created_at from user_accounts
    where ${id === undefined ? sql`true` : sql`id = ${id}`} order by created_at desc limit 200`;
  return rows.map((u) => ({ id: u.id, username: u.username, email: u.email, role: u.role, disabled: u.disabled, createdAt: u.created_at.toISOString() }));
}
async function agentRows(sql: Sql, id?: string): Promise<AdminAgent[]> {
  const rows = await sql`select id, name, environment_id, username, disabled, rating from agent_summaries
    where ${id === undefined ? sql`true` : sql`id = ${id}`} order by created_at desc limit 200`;
  return rows.map((a) => ({ id: a.id, name: a.name, environment: a.environment_id, ownerName: a.username, disabled: a.disabled, rating: a.rating }));
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v);
  // Quote always; neutralise spreadsheet formulas (=, +, -, @ at the start).
  return `"${(/^[=+\-@\t\r]/.test(s) ? "'" + s : s).replace(/"/g, '""')}"`;
};

/**
 * `/admin…`: admins only (401 anonymous, 403 others); every change is one SQL function call.
 * The page goes through `c.render` (the layout); an htmx action answers its own row with `c.html`.
 */
export function adminRoutes(deps: WebDeps, sandboxStatus?: () => { enabled: boolean; detail: string }) {
  const app = pageApp(deps);
  const { sql } = deps;
  app.use("/admin/*", requireAdmin(deps));
  app.use("/admin", requireAdmin(deps));

  app.get("/admin", async (c) => {
    const reports: ReportTable[] = await Promise.all(reportFiles().map(async (r) => {
      try {
        return { name: r.name, title: r.title, purpose: r.purpose, ...(await runReport(sql, r.sql)), error: null };
      } catch (e) {
        return { name: r.name, title: r.title, purpose: r.purpose, columns: [], rows: [], error: (e as Error).message };
      }
    }));
    const [settings, users, agents, matches, dead] = await Promise.all([
      settingRows(sql),
      userRows(sql),
      agentRows(sql),
      recentMatches(sql, {}, 30),
      sql`select * from newest_jobs(${QUEUES.dead}, 50)`.catch(() => []),
    ]);
    return c.render(<AdminPage sandbox={sandboxStatus ? sandboxStatus() : null} reports={reports}
      settings={settings} users={users} agents={agents}
      matches={matches}
      dead={dead.map((d) => ({ id: String(d.id), createdAt: new Date(d.created_on).toISOString(), data: String(d.data).slice(0, 300) }))} />, adminHead);
  });

  app.get("/admin/reports/:file", async (c) => {
    const name = c.req.param("file").replace(/\.csv$/, "");
    const report = REPORT_NAME.test(name) ? reportFiles().find((r) => r.name === name) : undefined;
    if (!report) throw new HttpError(404, "not_found", `report ${JSON.stringify(name)} does not exist in sql/reports/`);
    const { columns, rows } = await runReport(sql, report.sql);
    const body = [columns, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
    c.header("Content-Disposition", `attachment; filename="${name}.csv"`);
    return c.body(body, 200, { "Content-Type": "text/csv; charset=utf-8" });
  });

  app.post("/admin/settings", async (c) => {
    const form = await formFields(c);
    const key = z.string().regex(/^[a-z][a-z0-9_]*$/, "setting keys are lowercase words joined by _").safeParse(form.key);
    if (!key.success) throw new HttpError(400, "bad_request", `setting ${JSON.stringify(form.key)}: ${key.error.issues[0].message}`);
    let value: unknown;
    try {
      value = JSON.parse(form.value ?? "");
    } catch {
      const message = `the value of ${key.data} must be JSON (a number like 300, "text", true…); got ${JSON.stringify(form.value)}`;
      const [row] = isHtmx(c) ? await settingRows(sql, key.data) : [];
      // htmx swaps the answer into the row: the row again, with the refusal beside the field.
      if (row) return c.html(<SettingRowView s={{ ...row, value: form.value ?? "" }} error={message} />, 400);
      throw new HttpError(400, "bad_request", message);
    }
    await sql`select set_setting(${signedIn(c).id}, ${key.data}, ${sql.json(value as never)})`;
    if (!isHtmx(c)) return redirect(c, "/admin#settings");
    const [row] = await settingRows(sql, key.data);
    return c.html(<SettingRowView s={row} notice="Saved" />);
  });

  const toggle = (path: string, fn: string, noun: string, disabled: boolean, back: string) =>
    app.post(path, async (c) => {
      const me = signedIn(c);
      const id = uuidParam(noun, c.req.param("id") ?? "");
      await sql`select 1 from ${sql(fn)}(${me.id}, ${id}, ${disabled})`;
      if (noun === "user") forgetSessions(deps, id); // this process refuses them at once, others within seconds
      // A redirect to the same page with another #fragment would not reload it: htmx gets the row.
      if (!isHtmx(c)) return redirect(c, back);
      const notice = disabled ? "Disabled" : "Enabled";
      if (noun === "user") return c.html(<UserRow u={(await userRows(sql, id))[0]} notice={notice} />);
      return c.html(<AgentRow a={(await agentRows(sql, id))[0]} notice={notice} />);
    });
  toggle("/admin/users/:id/disable", "set_user_disabled", "user", true, "/admin#users");
  toggle("/admin/users/:id/enable", "set_user_disabled", "user", false, "/admin#users");
  toggle("/admin/agents/:id/disable", "set_agent_disabled", "agent", true, "/admin#agents");
  toggle("/admin/agents/:id/enable", "set_agent_disabled", "agent", false, "/admin#agents");

  for (const action of ["cancel", "rerun"] as const) {
    app.post(`/admin/matches/:id/${action}`, async (c) => {
      const me = signedIn(c);
      const id = uuidParam("match", c.req.param("id"));
      // rerun_match answers the new match (the failed one stays as it was, for the record).
      const [changed] = await sql`select id from ${sql(action === "cancel" ? "cancel_match" : "rerun_match")}(${me.id}, ${id})`;
      if (!isHtmx(c)) return redirect(c, "/admin#admin-matches");
      const match = await getMatch(sql, id);
      if (!match) throw new HttpError(404, "not_found", `match ${id} does not exist`);
      return c.html(<AdminMatchRow m={match} notice={action === "cancel" ? "Cancelled" : "Re-run queued"}
        rerunId={action === "rerun" ? String(changed.id) : undefined} />);
    });
  }
  return app;
}
