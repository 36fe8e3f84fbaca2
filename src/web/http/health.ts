import { Hono } from "hono";
import { isMigrated } from "../../db/migrate.ts";
import type { WebDeps, WebEnv } from "../deps.ts";

/** `/health`: the process is up. `/ready`: the database answers and carries every migration. */
export function healthRoutes(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get("/health", (c) => c.json({ status: "ok", uptimeS: Math.round(process.uptime()) }));
  app.get("/ready", async (c) => {
    try {
      const migrated = await isMigrated(deps.sql);
      if (!migrated) return c.json({ status: "unavailable", database: "reachable", migrations: "pending" }, 503);
      return c.json({ status: "ok", database: "reachable", migrations: "applied" });
    } catch (e) {
      c.var.log.warn("readiness check failed", { error: e });
      return c.json({ status: "unavailable", database: "unreachable", error: (e as Error).message }, 503);
    }
  });
  return app;
}
