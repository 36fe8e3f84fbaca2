import { createRoute, z } from "@hono/zod-openapi";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { apiArea, camel, idParam, jsonOnly, num, pageOf, PageQuery, type Row } from "./common.ts";
import { skillJson } from "./leaderboard.ts";
import { errors, json, jsonRequest, notes, signedIn } from "./route_docs.ts";
import { AgentSchema, AgentSummarySchema, messageSchema, OpponentStatsSchema, orNull, pageSchema } from "./schemas.ts";
import { createAgent, updateAgent } from "../actions/agent_writes.ts";
import { orThrow } from "../http/outcome.ts";

/** The original API's agent shape (`score` = `elo`, kept for old clients). */
export function agentJson(row: Row): z.infer<typeof AgentSchema> {
  const elo = num(row.rating);
  const dates = camel({ c: row.created_at, u: row.updated_at ?? row.created_at });
  return {
    id: row.id,
    userId: row.owner_id,
    username: row.username ?? "",
    name: row.name,
    description: row.description ?? "",
    environmentId: row.environment_id,
    elo,
    score: elo,
    wins: num(row.wins),
    losses: num(row.losses),
    draws: num(row.draws),
    totalMatches: num(row.games),
    disabled: row.disabled === true,
    activeSubmissionId: row.active_submission_id ?? null,
    rank: num(row.rank),
    createdAt: dates.c,
    updatedAt: dates.u,
  };
}

export const AgentListQuery = PageQuery.extend({ environmentId: z.string().min(1).max(50).optional() });
// The name's and description's lengths are checked by check_agent_fields in sql/agents.sql alone;
// its refusal (RLA01, naming the value and the rule) is the answer.
export const CreateAgentBody = z.object({
  name: z.string().trim(),
  description: z.string().trim().optional(),
  environmentId: z.string().trim().min(1, "is required").max(50),
});
export const UpdateAgentBody = z.object({
  name: z.string().trim().optional(),
  description: z.string().trim().optional(),
}).refine((b) => b.name !== undefined || b.description !== undefined, { message: "send name and/or description" });

/** agent_stats(): where the agent stands, including matchmaking (waiting, in_match, cooling_down…). */
function summaryJson(r: Row): z.infer<typeof AgentSummarySchema> {
  const d = camel({ l: r.last_match_ended_at, c: r.cooldown_until });
  return {
    rating: num(r.rating), rank: r.rank === null ? null : num(r.rank), winRate: r.win_rate === null ? null : Number(r.win_rate),
    peakRating: num(r.peak_rating), activeVersion: r.active_version ?? null, currentMatchId: r.current_match_id ?? null,
    lastMatchEndedAt: d.l ?? null, matchesToday: num(r.matches_today), cooldownUntil: d.c ?? null, matchmakingStatus: r.matchmaking_status,
    skill: skillJson(r),
  };
}

async function findAgent(deps: WebDeps, id: string) {
  const [row] = await deps.sql`select * from agent_summaries where id = ${id}`;
  if (!row) throw new HttpError(404, "not_found", `agent ${id} does not exist`);
  return row;
}

const tags = ["agents"];
const idPath = z.object({ id: idParam("agent") });
const agentPage = json("A page of agents", pageSchema("agents", AgentSchema));
const withAgent = messageSchema.extend({ agent: AgentSchema });
const StatsSchema = z.object({ agentId: z.string(), agent: AgentSchema, stats: z.array(OpponentStatsSchema), total: z.number().int(), summary: orNull(AgentSummarySchema) });

/** `/agents`: list, mine, one, create, update, delete, stats. */
export function agentsApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "get", path: "/", tags, summary: "All agents, highest rating first", request: { query: AgentListQuery }, responses: { 200: agentPage, ...errors(400) },
  }), async (c) => {
    const q = c.req.valid("query");
    const rows = await deps.sql`
      select *, count(*) over () as total_count from agent_summaries
      where ${q.environmentId ? deps.sql`environment_id = ${q.environmentId}` : deps.sql`true`}
      order by rating desc, created_at desc, id limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    return c.json({ agents: rows.map(agentJson), ...pageOf(q, num(rows[0]?.total_count)) }, 200);
  });
  app.openapi(createRoute({
    method: "post", path: "/", tags, summary: "Create an agent in an environment", security: signedIn,
    middleware: [requireUser, jsonOnly], request: jsonRequest(CreateAgentBody), responses: { 201: json("Created", withAgent), ...errors(400, 401, 404, 409) },
  }), async (c) => {
    const created = orThrow(await createAgent(deps, currentUser(c).id, c.req.valid("json")));
    return c.json({ message: "agent created", agent: agentJson(await findAgent(deps, created.id)) }, 201);
  });
  // Before /{id}, which would read "my" as an id.
  app.openapi(createRoute({
    method: "get", path: "/my", tags, summary: "The caller's agents, newest first", security: signedIn,
    middleware: requireUser, request: { query: AgentListQuery }, responses: { 200: agentPage, ...errors(400, 401) },
  }), async (c) => {
    const q = c.req.valid("query");
    const rows = await deps.sql`
      select *, count(*) over () as total_count from agent_summaries
      where owner_id = ${currentUser(c).id} and ${q.environmentId ? deps.sql`environment_id = ${q.environmentId}` : deps.sql`true`}
      order by created_at desc, id limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    return c.json({ agents: rows.map(agentJson), ...pageOf(q, num(rows[0]?.total_count)) }, 200);
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}", tags, summary: "One agent", request: { params: idPath },
    responses: { 200: json("The agent", z.object({ agent: AgentSchema })), ...errors(404) },
  }), async (c) => c.json({ agent: agentJson(await findAgent(deps, c.req.valid("param").id)) }, 200));
  app.openapi(createRoute({
    method: "put", path: "/{id}", tags, summary: "Rename or describe an agent", security: signedIn, description: notes({ owner: true }),
    middleware: [requireUser, jsonOnly], request: { params: idPath, ...jsonRequest(UpdateAgentBody) },
    responses: { 200: json("Updated", withAgent), ...errors(400, 401, 403, 404, 409) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    orThrow(await updateAgent(deps, currentUser(c).id, id, c.req.valid("json")));
    return c.json({ message: "agent updated", agent: agentJson(await findAgent(deps, id)) }, 200);
  });
  app.openapi(createRoute({
    method: "delete", path: "/{id}", tags, summary: "Delete an agent (its matches stay readable)", security: signedIn, description: notes({ owner: true }),
    middleware: requireUser, request: { params: idPath }, responses: { 200: json("Deleted", messageSchema), ...errors(401, 403, 404) },
  }), async (c) => {
    await deps.sql`select delete_agent(${currentUser(c).id}, ${c.req.valid("param").id})`;
    return c.json({ message: "agent deleted" }, 200);
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}/stats", tags, summary: "Head-to-head record against each opponent", request: { params: idPath },
    responses: { 200: json("Statistics", StatsSchema), ...errors(404) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    const agent = await findAgent(deps, id);
    const stats = await deps.sql`select * from agent_stats(${id})`;
    const opponents = await deps.sql`select * from head_to_head(${id})`;
    return c.json({
      agentId: id,
      agent: agentJson(agent),
      stats: opponents.map((r) => ({
        opponentId: r.opponent_id, opponentName: r.opponent_name, opponentUsername: r.opponent_owner_username,
        opponentRating: num(r.opponent_rating), wins: num(r.wins), losses: num(r.losses), draws: num(r.draws),
        totalMatches: num(r.games), ratingChange: num(r.rating_change), lastPlayedAt: camel({ t: r.last_played_at }).t,
      })),
      total: opponents.length,
      summary: stats[0] ? summaryJson(stats[0]) : null,
    }, 200);
  });
  return app;
}
