import { Hono } from "hono";
import { z } from "zod";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { jsonBody, parse, pathId } from "./common.ts";

export const VersionTestBody = z.object({
  agentId: z.uuid({ message: "agentId must be the id (UUID) of one of your agents; its active version is tested" }),
  baselineSubmissionId: z.uuid({ message: "baselineSubmissionId must be the id (UUID) of an older built version of that agent" }),
});

/** One test as version_test_report (sql/version_tests.sql) builds it; null for an unknown id. */
export async function versionTestReport(sql: WebDeps["sql"], id: string): Promise<Record<string, any> | null> {
  const [row] = await sql`select version_test_report(${id}) as r`;
  return (row?.r as Record<string, any> | null) ?? null;
}

/**
 * `/version-tests`: "is v2 better than v1?". POST starts a sequential test of the caller's
 * agent's active version against an older one (start_version_test: seat-swapped unranked pairs
 * until the SPRT decides); GET reads its progress, verdict, Elo difference and games.
 */
export function versionTestsApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.post("/", requireUser, async (c) => {
    const body = parse(VersionTestBody, await jsonBody(c.req));
    const [t] = await deps.sql`select id from start_version_test(${currentUser(c).id}, ${body.agentId}, ${body.baselineSubmissionId})`;
    return c.json({ message: "test started: seat-swapped pairs run until the SPRT decides", versionTest: await versionTestReport(deps.sql, t!.id) }, 201);
  });
  app.get("/:id", async (c) => {
    const id = pathId("version test", c.req.param("id"));
    const report = await versionTestReport(deps.sql, id);
    if (!report) throw new HttpError(404, "not_found", `version test ${id} does not exist`);
    return c.json({ versionTest: report });
  });
  return app;
}
