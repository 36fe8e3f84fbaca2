import { z } from "zod";
import { EditAgentForm } from "../../../views/agents.tsx";
import { NewAgentForm } from "../../../views/environments.tsx";
import { SubmissionRow } from "../../../views/submissions.tsx";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { createAgent, updateAgent } from "../actions/agent_writes.ts";
import { createChallenge } from "../actions/challenges.ts";
import { orThrow } from "../http/outcome.ts";
import { uploadArchive } from "../actions/upload.ts";
import { fieldErrors, formFields, isHtmx, pageApp, readForm, redirect, signedIn, uuidParam } from "./common.tsx";
import { getSubmission } from "../queries.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { uploadBodyLimit } from "../http/upload_body_limit.ts";

// Lengths are check_agent_fields' rule (sql/agents.sql); its refusal lands on the field (agentFieldError).
const AgentFields = z.object({
  name: z.string().trim(),
  description: z.string().trim().default(""),
});
const NewAgent = AgentFields.extend({ environmentId: z.string().min(1, "choose an environment").max(50) });

/**
 * Form posts that change agents and submissions. Every handler: validate → one SQL function
 * (which checks ownership and raises a coded error that becomes 403/404) → redirect or fragment.
 * A fragment (the form with its errors, a new submission row) is sent with `c.html`, not
 * `c.render`: it is swapped into a page that already has the layout.
 */
export function agentFormRoutes(deps: WebDeps) {
  const app = pageApp(deps);
  const { sql } = deps;

  app.post("/agents", async (c) => {
    const me = signedIn(c);
    const form = await formFields(c);
    const environment = form.environmentId ?? "";
    const fail = (errors: Record<string, string | undefined>) =>
      c.html(<NewAgentForm environment={environment} values={form} errors={errors} />, 422);
    const parsed = NewAgent.safeParse(form);
    if (!parsed.success) return fail(fieldErrors(parsed.error));
    const outcome = await createAgent(deps, me.id, parsed.data);
    if (!outcome.ok) return fail({ [outcome.refusal.field ?? "_"]: outcome.refusal.message });
    const agent = outcome.value;
    return redirect(c, `/environments/${agent.environment_id}?agent=${agent.id}#upload`);
  });

  app.post("/agents/:id", async (c) => {
    const me = signedIn(c);
    const id = uuidParam("agent", c.req.param("id"));
    const form = await formFields(c);
    const parsed = AgentFields.safeParse(form);
    const values = { id, name: form.name ?? "", description: form.description ?? "" };
    if (!parsed.success) return c.html(<EditAgentForm agent={values} errors={fieldErrors(parsed.error)} />, 422);
    const outcome = await updateAgent(deps, me.id, id, parsed.data);
    if (!outcome.ok) return c.html(<EditAgentForm agent={values} errors={{ [outcome.refusal.field ?? "_"]: outcome.refusal.message }} />, 422);
    return redirect(c, `/agents/${id}`);
  });

  // The agent page's challenge button: the viewer's agent (form field agentId) against this one,
  // through the same action as POST /api/v1/challenges.
  app.post("/agents/:id/challenges", async (c) => {
    const me = signedIn(c);
    const opponentId = uuidParam("agent", c.req.param("id"));
    const agentId = (await formFields(c)).agentId ?? "";
    if (!z.uuid().safeParse(agentId).success) throw new HttpError(400, "bad_request", `choose one of your agents to challenge with (agentId ${JSON.stringify(agentId)} is not an agent id)`);
    const matchId = await createChallenge(sql, me.id, { agentId, opponentId });
    return redirect(c, `/matches/${matchId}`);
  });

  app.post("/agents/:id/delete", async (c) => {
    const me = signedIn(c);
    const id = uuidParam("agent", c.req.param("id"));
    await sql`select delete_agent(${me.id}, ${id})`;
    return redirect(c, "/profile");
  });

  app.post(
    "/submissions",
    uploadBodyLimit(deps),
    async (c, next) => { signedIn(c); await next(); },
    rateLimit(deps, "upload"),
    async (c) => {
      const me = signedIn(c);
      if (!/^multipart\/form-data\b/i.test(c.req.header("content-type") ?? "")) {
        throw new HttpError(400, "bad_request", "send the upload form (multipart/form-data with agentId and file)");
      }
      const form = await readForm(c);
      const agentId = typeof form.agentId === "string" ? form.agentId : "";
      if (!z.uuid().safeParse(agentId).success) throw new HttpError(400, "bad_request", `choose one of your agents (agentId ${JSON.stringify(agentId)} is not an agent id)`);
      const file = form.file;
      if (!(file instanceof File)) throw new HttpError(422, "invalid_archive", "choose or drop a non-empty archive (.zip, .tar.gz) or a single .py/.js file");
      const created = orThrow(await uploadArchive(deps, me.id, agentId, file)); // a refusal renders as the form's error
      if (!isHtmx(c)) return redirect(c, `/agents/${agentId}#submissions`);
      const s = await getSubmission(sql, String(created.id));
      // Both tables it lands in (the environment page's and the agent page's) have the Agent column.
      return c.html(<SubmissionRow s={s!} owner showAgent />, 201);
    },
  );

  app.post("/submissions/:id/activate", async (c) => {
    const me = signedIn(c);
    const id = uuidParam("submission", c.req.param("id"));
    const [row] = await sql`select agent_id from activate_submission(${me.id}, ${id})`;
    return redirect(c, `/agents/${row.agent_id}#submissions`);
  });

  app.post("/submissions/:id/rebuild", async (c, next) => { signedIn(c); await next(); }, rateLimit(deps, "upload"), async (c) => {
    const me = signedIn(c);
    const id = uuidParam("submission", c.req.param("id"));
    const [row] = await sql`select agent_id from rebuild_submission(${me.id}, ${id})`;
    return redirect(c, `/agents/${row.agent_id}#submissions`);
  });
  return app;
}
