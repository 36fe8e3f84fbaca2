import { versionTestHead, VersionTestPage, type VersionTestItem, type VersionTestReport } from "../../../views/version_tests.tsx";
import { versionTestReport } from "../api/version_tests.ts";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { formFields, pageApp, redirect, signedIn, uuidParam } from "./common.tsx";
import type { LiveHub } from "../live/hub.ts";

/** An agent's tests, newest first, for its page (agent_version_tests). */
export async function agentVersionTests(sql: WebDeps["sql"], agentId: string): Promise<VersionTestItem[]> {
  const rows = await sql`select * from agent_version_tests(${agentId})`;
  return rows.map((r) => ({ id: String(r.id), candidateVersion: Number(r.candidate_version), baselineVersion: Number(r.baseline_version),
    status: String(r.status) as VersionTestItem["status"], createdAt: new Date(r.created_at).toISOString() }));
}

/**
 * "Is v2 better than v1?" pages: `GET /version-tests/:id` (live over SSE until decided: topic
 * version-test:<id>, fed by version_test.changed) and the agent page's form
 * `POST /agents/:id/version-tests` (start_version_test, as POST /api/v1/version-tests).
 */
export function versionTestPages(deps: WebDeps, hub: LiveHub) {
  const app = pageApp(deps);
  const { sql } = deps;

  app.get("/version-tests/:id", async (c) => {
    const since = hub.lastId();
    const id = uuidParam("version test", c.req.param("id"));
    const t = await versionTestReport(sql, id);
    if (!t) throw new HttpError(404, "not_found", `version test ${id} does not exist`);
    return c.render(<VersionTestPage t={t as VersionTestReport} />, versionTestHead(t as VersionTestReport, since));
  });

  app.post("/agents/:id/version-tests", async (c) => {
    const me = signedIn(c);
    const agent = uuidParam("agent", c.req.param("id"));
    const baseline = (await formFields(c)).baselineSubmissionId ?? "";
    const submission = uuidParam("submission", baseline); // SQL names the rule for a wrong one
    const [t] = await sql`select id from start_version_test(${me.id}, ${agent}, ${submission})`;
    return redirect(c, `/version-tests/${t!.id}`);
  });
  return app;
}
