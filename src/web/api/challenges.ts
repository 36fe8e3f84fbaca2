import { Hono } from "hono";
import { z } from "zod";
import { currentUser, requireUser } from "../auth.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { jsonBody, parse } from "./common.ts";
import { matchJson } from "./matches.ts";

export const ChallengeBody = z.object({
  agentId: z.uuid({ message: "agentId must be the id (UUID) of one of your agents" }),
  opponentId: z.uuid({ message: "opponentId must be the id (UUID) of a public agent of the same environment" }),
});

/**
 * `/challenges`: a signed-in user asks for an unranked match between their agent and any public
 * agent (create_challenge in sql/challenges.sql: quota, priority and the no-rating rule live
 * there). The match then appears in the match lists with its replay like any other.
 */
export function challengesApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.post("/", requireUser, async (c) => {
    const body = parse(ChallengeBody, await jsonBody(c.req));
    const [m] = await deps.sql`select id from create_challenge(${currentUser(c).id}, ${body.agentId}, ${body.opponentId})`;
    const [row] = await deps.sql`select * from match_summaries where id = ${m!.id}`;
    return c.json({ message: "challenge queued: an unranked match, run after ranked ones; it changes no rating", match: matchJson(row!) }, 201);
  });
  return app;
}
