import { Hono } from "hono";
import { z } from "zod";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { createChallenge } from "../actions/challenges.ts";
import { jsonBody, parse } from "./common.ts";
import { matchJson } from "./matches.ts";

export const ChallengeBody = z.object({
  agentId: z.uuid({ message: "agentId must be the id (UUID) of one of your agents" }),
  opponentId: z.uuid({ message: "opponentId must be the id (UUID) of a public agent of the same environment" }).optional(),
  opponentSubmissionId: z.uuid({ message: "opponentSubmissionId must be the id (UUID) of an older version of your agent" }).optional(),
}).refine((b) => (b.opponentId === undefined) !== (b.opponentSubmissionId === undefined), {
  message: "send exactly one of opponentId (another agent) and opponentSubmissionId (an older version of your agent)",
});

/**
 * `/challenges`: a signed-in user asks for an unranked match between their agent and any public
 * agent (create_challenge), or between their agent's active version and an older one
 * (create_version_challenge); quota, priority and the no-rating rule live in sql/challenges.sql. The match then appears in the match lists with its replay like any other.
 */
export function challengesApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.post("/", requireUser, async (c) => {
    const body = parse(ChallengeBody, await jsonBody(c.req));
    const id = await createChallenge(deps.sql, currentUser(c).id, body);
    const [row] = await deps.sql`select * from match_summaries where id = ${id}`;
    return c.json({ message: "challenge queued: an unranked match, run after ranked ones; it changes no rating", match: matchJson(row!) }, 201);
  });
  return app;
}
