import { createRoute, z } from "@hono/zod-openapi";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { apiArea, idParam, jsonOnly } from "./common.ts";
import { errors, json, jsonRequest, signedIn } from "./route_docs.ts";
import { messageSchema, VersionTestSchema } from "./schemas.ts";

export const VersionTestBody = z.object({
  agentId: z.uuid({ message: "agentId must be the id (UUID) of one of your agents; its active version is tested" }),
  baselineSubmissionId: z.uuid({ message: "baselineSubmissionId must be the id (UUID) of an older built version of that agent" }),
});

/** One test as version_test_report (sql/version_tests.sql) builds it (the VersionTest schema); null for an unknown id. */
export async function versionTestReport(sql: WebDeps["sql"], id: string): Promise<z.infer<typeof VersionTestSchema> | null> {
  const [row] = await sql`select version_test_report(${id}) as r`;
  return row?.r ?? null;
}

const tags = ["matches"];

/**
 * `/version-tests`: "is v2 better than v1?". POST starts a sequential test of the caller's
 * agent's active version against an older one (start_version_test: seat-swapped unranked pairs
 * until the SPRT decides); GET reads its progress, verdict, Elo difference and games.
 */
export function versionTestsApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "post", path: "/", tags, security: signedIn, middleware: [requireUser, jsonOnly], request: jsonRequest(VersionTestBody),
    summary: "Is v2 better than v1? A sequential test (SPRT) of your agent's active version against an older built one: seat-swapped unranked pairs run (after ranked matches) until it is decided; version_test_daily_quota per day, no rating change",
    responses: { 201: json("Started; the first pair is queued", messageSchema.extend({ versionTest: VersionTestSchema })), ...errors(400, 401, 403, 404, 409, 429) },
  }), async (c) => {
    const body = c.req.valid("json");
    const [t] = await deps.sql`select id from start_version_test(${currentUser(c).id}, ${body.agentId}, ${body.baselineSubmissionId})`;
    return c.json({ message: "test started: seat-swapped pairs run until the SPRT decides", versionTest: (await versionTestReport(deps.sql, t!.id))! }, 201);
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}", tags, request: { params: z.object({ id: idParam("version test") }) },
    summary: "A version test's progress: pairs played, log-likelihood ratio and its bounds, verdict, Elo difference with its 95 % interval and every game",
    responses: { 200: json("The test", z.object({ versionTest: VersionTestSchema })), ...errors(404) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    const report = await versionTestReport(deps.sql, id);
    if (!report) throw new HttpError(404, "not_found", `version test ${id} does not exist`);
    return c.json({ versionTest: report }, 200);
  });
  return app;
}
