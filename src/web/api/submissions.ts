import { createRoute, z } from "@hono/zod-openapi";
import { currentUser, requireUser, type SessionUser } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { orThrow } from "../http/outcome.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { uploadArchive } from "../actions/upload.ts";
import { apiArea, camel, idParam, num, pageOf, PageQuery, type Row, Uuid } from "./common.ts";
import { errors, json, notes, signedIn } from "./route_docs.ts";
import { messageSchema, pageSchema, SubmissionSchema } from "./schemas.ts";

/**
 * The shape of a submission (no archive, no build log). `errorMessage` quotes the agent's own
 * output when a build fails, so only the owner and administrators see it; others get null.
 */
export function submissionJson(row: Row, viewer: SessionUser | null): z.infer<typeof SubmissionSchema> {
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

const nullableStr = z.string().nullable();
const BuildLogSchema = z.object({ submissionId: z.string(), status: z.string(), buildLog: z.string(), errorMessage: nullableStr, startedAt: nullableStr, finishedAt: nullableStr });

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

const tags = ["submissions"];
const idPath = z.object({ id: idParam("submission") });
const withSubmission = messageSchema.extend({ submission: SubmissionSchema });
/** The upload's form; submissions read it themselves (readUpload), so it is documented here, not validated by the router. */
const uploadForm = {
  type: "object" as const, required: ["agentId", "file"],
  properties: { agentId: { type: "string" as const, format: "uuid" }, file: { type: "string" as const, format: "binary" } },
};

/** `/submissions`: upload, read, list per agent, build logs (owner), activate, rebuild. */
export function submissionsApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "post", path: "/", tags, security: signedIn, description: notes({ rateLimit: "upload", owner: true }),
    summary: "Upload a new version (zip, tar.gz, or one .py/.js file; at most {maxUpload}, the archive_max_bytes setting)",
    middleware: [requireUser, rateLimit(deps, "upload")], request: { body: { required: true, content: { "multipart/form-data": { schema: uploadForm } } } },
    responses: { 201: json("Created; the build is queued", withSubmission), ...errors(400, 401, 403, 404, 409, 413, 422, 429) },
  }), async (c) => {
    const { agentId, file } = await readUpload(c.req);
    const created = orThrow(await uploadArchive(deps, currentUser(c).id, agentId, file));
    return c.json({ message: "submission created; the build starts shortly", submission: submissionJson(await findSubmission(deps, created.id), c.var.user) }, 201);
  });
  app.openapi(createRoute({
    method: "get", path: "/agent/{agentId}", tags, summary: "An agent's submissions, newest version first",
    request: { params: z.object({ agentId: idParam("agent") }), query: PageQuery },
    responses: { 200: json("A page of submissions", pageSchema("submissions", SubmissionSchema)), ...errors(400, 404) },
  }), async (c) => {
    const { agentId } = c.req.valid("param");
    const q = c.req.valid("query");
    const [{ exists }] = await deps.sql`select agent_exists(${agentId}) as exists`;
    if (!exists) throw new HttpError(404, "not_found", `agent ${agentId} does not exist`);
    const rows = await deps.sql`
      select *, count(*) over () as total_count from (${submissionSelect(deps)} where s.agent_id = ${agentId}) s
      order by version desc limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    return c.json({ submissions: rows.map((r) => submissionJson(r, c.var.user)), ...pageOf(q, num(rows[0]?.total_count)) }, 200);
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}", tags, summary: "One submission and its build status (poll this)", request: { params: idPath },
    responses: { 200: json("The submission", z.object({ submission: SubmissionSchema })), ...errors(404) },
  }), async (c) => c.json({ submission: submissionJson(await findSubmission(deps, c.req.valid("param").id), c.var.user) }, 200));
  app.openapi(createRoute({
    method: "get", path: "/{id}/build-logs", tags, summary: "Build and validation log (owner only)", security: signedIn, description: notes({ owner: true }),
    middleware: requireUser, request: { params: idPath },
    responses: { 200: json("The log", BuildLogSchema), ...errors(401, 403, 404) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    const [row] = await deps.sql`select * from submission_build_log(${currentUser(c).id}, ${id})`;
    const d = camel({ s: row!.started_at, f: row!.finished_at });
    return c.json({ submissionId: id, status: row!.status, buildLog: row!.build_log ?? "", errorMessage: row!.error ?? null, startedAt: d.s ?? null, finishedAt: d.f ?? null }, 200);
  });
  app.openapi(createRoute({
    method: "put", path: "/{id}/activate", tags, summary: "Make a built version the agent's active one", security: signedIn, description: notes({ owner: true }),
    middleware: requireUser, request: { params: idPath }, responses: { 200: json("Activated", withSubmission), ...errors(401, 403, 404, 409) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    await deps.sql`select activate_submission(${currentUser(c).id}, ${id})`;
    return c.json({ message: "submission activated", submission: submissionJson(await findSubmission(deps, id), c.var.user) }, 200);
  });
  app.openapi(createRoute({
    method: "post", path: "/{id}/rebuild", tags, summary: "Build a submission again", security: signedIn, description: notes({ rateLimit: "upload", owner: true }),
    middleware: [requireUser, rateLimit(deps, "upload")], request: { params: idPath }, responses: { 200: json("Queued", withSubmission), ...errors(401, 403, 404, 409, 429) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    await deps.sql`select rebuild_submission(${currentUser(c).id}, ${id})`;
    return c.json({ message: "rebuild queued", submission: submissionJson(await findSubmission(deps, id), c.var.user) }, 200);
  });
  return app;
}
