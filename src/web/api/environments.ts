import { Hono } from "hono";
import { describe } from "rl-arena-env";
import type { WebDeps, WebEnv } from "../deps.ts";
import { camel, num, pageOf, PageQuery, parse } from "./common.ts";

/** The game's own description (rules, spaces, defaults) when this build knows the game. */
function gameDescription(id: string): unknown {
  try {
    return describe(id);
  } catch {
    return null;
  }
}

/** `GET /environments`: the environments enabled on this server, with their game description. */
export function environmentsApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get("/", async (c) => {
    const q = parse(PageQuery, c.req.query());
    const rows = await deps.sql`
      select e.id, e.version, e.name, e.config, e.created_at, e.updated_at, count(*) over () as total_count,
             (select count(*) from agents a where a.environment_id = e.id and a.deleted_at is null and a.active_submission_id is not null) as active_agents
      from environments e where e.enabled
      order by e.id limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    const environments = rows.map((r) => {
      const d = camel({ c: r.created_at, u: r.updated_at });
      return { id: r.id, version: r.version, name: r.name, config: r.config, activeAgents: num(r.active_agents),
        description: gameDescription(r.id), createdAt: d.c, updatedAt: d.u };
    });
    return c.json({ environments, ...pageOf(q, num(rows[0]?.total_count)) });
  });
  return app;
}
