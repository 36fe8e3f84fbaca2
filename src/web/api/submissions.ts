import { Hono } from "hono";
import { currentUser, requireUser, type SessionUser } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { orThrow } from "../http/outcome.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { uploadArchive } from "../actions/upload.ts";
import { camel, num, pageOf, PageQuery, parse, pathId, Uuid } from "./common.ts";

/**
 * The shape of a submission (no archive, no build log). `errorMessage` quotes the agent's own
 * output when a build fails, so only the owner and administrators see it; others get null.
 */
export function submissionJson(row: Record<string, unknown>, viewer: SessionUser | null) {
  const mayReadError = viewer !== null && (viewer.id === row.owner_id || viewer.role === "admin");
  const d = camel({ c: row.created_at, u: row.updated_at, s: row.started_at, f: row.finished_at });
  return {
    id: row.id,
    agentId: row.agent_id,
    agentName: row.agent_name,
    environmentId: row.environment_id,
    version: num(row.version),
    status: row.status,
    language: row.language ?? null,
    entry: row.entry ?? null,
    archiveName: row.archive_name ?? null,
    archiveSize: row.archive_size === null || row.archive_size === undefined ? null : num(row.archive_size),
    archiveSha256: row.archive_sha256 ?? null,
    isActive: row.is_active === true,
    errorMessage: mayReadError ? (row.error ?? null) : null,
    createdAt: d.c,
    startedAt: d.s ?? null,
    finishedAt: d.f ?? null,
    updatedAt: d.u,
  };
}

const submissionSelect = (deps: WebDeps) => deps.sql`select s.* from submission_list s`;

async function findSubmission(deps: WebDeps, id: string) {
  const [row] = await deps.sql`${submissionSelect(deps)} where s.id = ${id}`;
  if (!row) throw new HttpError(404, "not_found", `submission ${id} does not exist`);
  return row;
}

/** Reads the multipart upload: `agentId` and `file` (a zip, tar.gz, .py or .js file); the archive itself is the action's (upload_action.ts). */
async function readUpload(req: { parseBody(): Promise<Record<string, string | File | (string | File)[]>>; header(n: string): string | undefined }) {
  if (!/^multipart\/form-data\b/i.test(req.header("content-type") ?? "")) {
    throw new HttpError(400, "bad_request", "send multipart/form-data with the fields agentId and file");
  }
  let form: Record<string, unknown>;
  try {
    form = await req.parseBody();
  } catch {
    throw new HttpError(400, "bad_request", "the multipart body could not be read");
  }
  const agentId = form.agentId;
  if (typeof agentId !== "string" || !agentId) throw new HttpError(400, "bad_request", "agentId is required");
  if (!Uuid.safeParse(agentId).success) throw new HttpError(400, "bad_request", `agentId ${JSON.stringify(agentId)} must be a UUID`);
  const file = form.file;
  if (!(file instanceof File)) throw new HttpError(400, "bad_request", "file is required (a zip or tar.gz archive, or one .py/.js file)");
  return { agentId, file };
}

/** `/submissions`: upload, read, list per agent, build logs (owner), activate, rebuild. */
export function submissionsApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.post("/", requireUser, rateLimit(deps, "upload"), async (c) => {
    const { agentId, file } = await readUpload(c.req);
    const created = orThrow(await uploadArchive(deps, currentUser(c).id, agentId, file));
    return c.json({ message: "submission created; the build starts shortly", submission: submissionJson(await findSubmission(deps, created.id), c.var.user) }, 201);
  });
  app.get("/agent/:agentId", async (c) => {
    const agentId = pathId("agent", c.req.param("agentId"));
    const q = parse(PageQuery, c.req.query());
    const [agent] = await deps.sql`select 1 from agents where id = ${agentId} and deleted_at is null`;
    if (!agent) throw new HttpError(404, "not_found", `agent ${agentId} does not exist`);
    const rows = await deps.sql`
      select *, count(*) over () as total_count from (${submissionSelect(deps)} where s.agent_id = ${agentId}) s
      order by version desc limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    return c.json({ submissions: rows.map((r) => submissionJson(r, c.var.user)), ...pageOf(q, num(rows[0]?.total_count)) });
  });
  app.get("/:id", async (c) => {
    return c.json({ submission: submissionJson(await findSubmission(deps, pathId("submission", c.req.param("id"))), c.var.user) });
  });
  app.get("/:id/build-logs", requireUser, async (c) => {
    const id = pathId("submission", c.req.param("id"));
    const [row] = await deps.sql`select * from submission_build_log(${currentUser(c).id}, ${id})`;
    const d = camel({ s: row.started_at, f: row.finished_at });
    return c.json({ submissionId: id, status: row.status, buildLog: row.build_log ?? "", errorMessage: row.error ?? null, startedAt: d.s ?? null, finishedAt: d.f ?? null });
  });
  app.put("/:id/activate", requireUser, async (c) => {
    const id = pathId("submission", c.req.param("id"));
    await deps.sql`select activate_submission(${currentUser(c).id}, ${id})`;
    return c.json({ message: "submission activated", submission: submissionJson(await findSubmission(deps, id), c.var.user) });
  });
  app.post("/:id/rebuild", requireUser, rateLimit(deps, "upload"), async (c) => {
    const id = pathId("submission", c.req.param("id"));
    await deps.sql`select rebuild_submission(${currentUser(c).id}, ${id})`;
    return c.json({ message: "rebuild queued", submission: submissionJson(await findSubmission(deps, id), c.var.user) });
  });
  return app;
}
