import { createRoute, z } from "@hono/zod-openapi";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { createChallenge } from "../actions/challenges.ts";
import { apiArea, jsonOnly } from "./common.ts";
import { matchJson } from "./matches.ts";
import { errors, json, jsonRequest, signedIn } from "./route_docs.ts";
import { MatchSchema, messageSchema } from "./schemas.ts";

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
export function challengesApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "post", path: "/", tags: ["matches"], security: signedIn, middleware: [requireUser, jsonOnly], request: jsonRequest(ChallengeBody),
    summary: "Challenge: an unranked match between your agent and any public agent of its environment (opponentId), or your agent's active version and an older one (opponentSubmissionId); after ranked matches, challenge_daily_quota per day, no rating change",
    responses: { 201: json("The queued unranked match", messageSchema.extend({ match: MatchSchema })), ...errors(400, 401, 403, 404, 409, 429) },
  }), async (c) => {
    const id = await createChallenge(deps.sql, currentUser(c).id, c.req.valid("json"));
    const [row] = await deps.sql`select * from match_summaries where id = ${id}`;
    return c.json({ message: "challenge queued: an unranked match, run after ranked ones; it changes no rating", match: matchJson(row!) }, 201);
  });
  return app;
}
