import { createRoute, z } from "@hono/zod-openapi";
import type { WebDeps } from "../deps.ts";
import { apiArea, num, pageOf, PageQuery, type Row } from "./common.ts";
import { errors, json } from "./route_docs.ts";
import { pageSchema, RankedAgentSchema, SkillSchema } from "./schemas.ts";

/**
 * A leaderboard row in the original API's agent shape (`score` = `elo`) with its competition
 * rank (equal ratings share a rank: 1, 1, 3).
 */
export function rankedJson(row: Row, environmentId: string): z.infer<typeof RankedAgentSchema> {
  const elo = num(row.rating);
  return {
    rank: num(row.rank),
    id: row.agent_id,
    name: row.agent_name,
    userId: row.owner_id,
    username: row.owner_username,
    environmentId: (row.environment_id as string | undefined) ?? environmentId,
    elo,
    score: elo,
    wins: num(row.wins),
    losses: num(row.losses),
    draws: num(row.draws),
    totalMatches: num(row.games),
    skill: skillJson(row),
  };
}

/**
 * The refitted skill estimate next to ELO (sql/skills.sql): μ, its standard error, the 95 %
 * interval μ ± 1.96·se, and the ranks the agent could hold. Null before the agent's first fit.
 */
export function skillJson(row: Row): z.infer<typeof SkillSchema> | null {
  if (row.skill === null || row.skill === undefined) return null;
  const mu = Number(row.skill), se = Number(row.skill_se);
  return {
    mu: Math.round(mu), se: Math.round(se), low: Math.round(mu - 1.96 * se), high: Math.round(mu + 1.96 * se),
    rankBest: row.skill_rank_best === null ? null : num(row.skill_rank_best),
    rankWorst: row.skill_rank_worst === null ? null : num(row.skill_rank_worst),
  };
}

/** How long one leaderboard page is reused. Live changes reach pages over SSE; the API may lag this much. */
export const LEADERBOARD_CACHE_MS = 1000;

/**
 * A per-process cache of finished response bodies, stale-while-revalidate: a page younger than
 * `ttlMs` is served as is; an older one is still served at once while ONE background query
 * refreshes it, so no request ever waits for the ranking query except the very first one for a
 * page (which concurrent requests share). The body is the serialized JSON, so a hit costs no
 * serialization either. Errors are not cached.
 */
export function staleWhileRevalidate(ttlMs: number, maxEntries = 1000) {
  const entries = new Map<string, { at: number; body: Promise<string>; refreshing: boolean }>();
  return (key: string, load: () => Promise<string>): Promise<string> => {
    const now = Date.now();
    const hit = entries.get(key);
    if (hit) {
      if (now - hit.at >= ttlMs && !hit.refreshing) {
        hit.refreshing = true;
        const fresh = load();
        fresh.then(
          () => entries.set(key, { at: Date.now(), body: fresh, refreshing: false }),
          () => (hit.refreshing = false), // keep serving the last good body; retry on the next request
        );
      }
      return hit.body;
    }
    if (entries.size >= maxEntries) entries.clear();
    const body = load();
    entries.set(key, { at: now, body, refreshing: false });
    body.catch(() => entries.delete(key));
    return body;
  };
}

const tags = ["leaderboard"];
const rankedPage = pageSchema("leaderboard", RankedAgentSchema);

/** `/leaderboard` (every environment, each agent ranked within its own) and `/leaderboard/environment/{envId}`. */
export function leaderboardApi(deps: WebDeps) {
  const app = apiArea();
  const cached = staleWhileRevalidate(LEADERBOARD_CACHE_MS);
  app.openapi(createRoute({
    method: "get", path: "/", tags, summary: "Ranked agents of every environment (rank within its environment)", request: { query: PageQuery },
    responses: { 200: json("A page of ranked agents", rankedPage), ...errors(400) },
  }), async (c) => {
    const q = c.req.valid("query");
    const [rows, [{ n }]] = await Promise.all([
      deps.sql`select * from all_leaderboards(${q.pageSize}, ${(q.page - 1) * q.pageSize})`,
      deps.sql`select all_leaderboards_size() as n`,
    ]);
    return c.json({ leaderboard: rows.map((r) => rankedJson(r, "")), ...pageOf(q, num(n)) }, 200);
  });
  app.openapi(createRoute({
    method: "get", path: "/environment/{envId}", tags, summary: "One environment's leaderboard",
    request: { params: z.object({ envId: z.string() }), query: PageQuery },
    responses: { 200: json("A page of ranked agents", rankedPage.extend({ environmentId: z.string() })), ...errors(400, 404) },
  }), async (c) => {
    const { envId } = c.req.valid("param");
    const q = c.req.valid("query");
    // One round trip; environment_by_id raises RLA20 (404, naming the known environments) for an unknown id.
    const body = await cached(`${envId}\n${q.page}\n${q.pageSize}`, async () => {
      const [{ size, rows }] = await deps.sql<{ size: string; rows: Row[] }[]>`
        select leaderboard_size(e.id) as size,
               coalesce((select json_agg(l) from leaderboard(e.id, ${q.pageSize}, ${(q.page - 1) * q.pageSize}) l), '[]') as rows
        from environment_by_id(${envId}) e`;
      return JSON.stringify({ environmentId: envId, leaderboard: rows.map((r) => rankedJson(r, envId)), ...pageOf(q, num(size)) });
    });
    // The cached body is the serialized page of the documented schema; the compiler cannot see through the string.
    return c.body(body, 200, { "Content-Type": "application/json; charset=utf-8" }) as never;
  });
  return app;
}
