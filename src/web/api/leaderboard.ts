import { Hono } from "hono";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http_errors.ts";
import { agentJson } from "./agents.ts";
import { num, pageOf, PageQuery, parse } from "./common.ts";

/**
 * `/leaderboard` (every environment, each agent ranked within its own environment) and
 * `/leaderboard/environment/:envId`. Only agents with an active version are ranked; equal
 * ratings share a rank (1, 1, 3).
 */
export function leaderboardApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get("/", async (c) => {
    const q = parse(PageQuery, c.req.query());
    const rows = await deps.sql`
      select l.*, count(*) over () as total_count from (
        select a.id, a.owner_id, u.username, a.environment_id, a.name, a.description, a.rating, a.wins, a.losses, a.draws,
               a.games, a.disabled, a.active_submission_id, a.created_at, a.updated_at,
               rank() over (partition by a.environment_id order by a.rating desc) as rank
        from agents a join users u on u.id = a.owner_id
        where a.deleted_at is null and a.active_submission_id is not null and not a.disabled) l
      order by l.rating desc, l.created_at, l.id limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    return c.json({ leaderboard: rows.map(agentJson), ...pageOf(q, num(rows[0]?.total_count)) });
  });
  app.get("/environment/:envId", async (c) => {
    const envId = c.req.param("envId");
    const q = parse(PageQuery, c.req.query());
    const [env] = await deps.sql`select id from environments where id = ${envId}`;
    if (!env) throw new HttpError(404, "not_found", `environment ${JSON.stringify(envId)} does not exist; GET /api/v1/environments lists them`);
    const rows = await deps.sql`select * from leaderboard(${envId}, ${q.pageSize}, ${(q.page - 1) * q.pageSize})`;
    const total = rows[0]?.total_count ?? (await deps.sql`
      select count(*) as n from agents where environment_id = ${envId} and deleted_at is null and active_submission_id is not null and not disabled`)[0].n;
    return c.json({ environmentId: envId, leaderboard: rows.map(agentJson), ...pageOf(q, num(total)) });
  });
  return app;
}
