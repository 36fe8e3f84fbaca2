import { createRoute } from "@hono/zod-openapi";
import { describe } from "rl-arena-env";
import type { WebDeps } from "../deps.ts";
import { apiArea, camel, num, pageOf, PageQuery } from "./common.ts";
import { errors, json } from "./route_docs.ts";
import { EnvironmentSchema, pageSchema } from "./schemas.ts";

/** The game's own description (rules, spaces, defaults) when this build knows the game. */
function gameDescription(id: string): Record<string, unknown> | null {
  try {
    return describe(id) as unknown as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** `GET /environments`: the environments enabled on this server, with their game description. */
export function environmentsApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "get", path: "/", tags: ["environments"], summary: "Environments on this server with their rules and spaces",
    request: { query: PageQuery }, responses: { 200: json("A page of environments", pageSchema("environments", EnvironmentSchema)), ...errors(400) },
  }), async (c) => {
    const q = c.req.valid("query");
    const rows = await deps.sql`
      select id, version, name, config, created_at, updated_at, active_agents, count(*) over () as total_count
      from environment_overview where enabled
      order by id limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    const environments = rows.map((r) => {
      const d = camel({ c: r.created_at, u: r.updated_at });
      return { id: r.id, version: r.version, name: r.name, config: r.config, activeAgents: num(r.active_agents),
        description: gameDescription(r.id), createdAt: d.c, updatedAt: d.u };
    });
    return c.json({ environments, ...pageOf(q, num(rows[0]?.total_count)) }, 200);
  });
  return app;
}
