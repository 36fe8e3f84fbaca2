import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { apiRoutes } from "./api/routes.ts";
import type { WebDeps, WebEnv } from "./deps.ts";
import { healthRoutes } from "./health.ts";
import { httpMetrics, metricsRoutes } from "./metrics_routes.ts";

/**
 * The whole web application as a Web-standard `fetch` handler (no Node APIs), so tests call
 * `app.request()` without a socket and it could run on Deno or Bun.
 */
export function createApp(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use(requestId());
  app.use(httpMetrics());
  app.use(async (c, next) => {
    const started = performance.now();
    const log = deps.log.child({ requestId: c.var.requestId });
    c.set("log", log);
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    if (c.req.path !== "/health") log.info("request", { method: c.req.method, path: c.req.path, status: c.res.status, ms });
  });
  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/api", apiRoutes(deps));
  app.onError((err, c) => {
    c.var.log?.error("unhandled error", { error: err });
    return c.json({ error: "internal_error", message: "something went wrong on our side" }, 500);
  });
  return app;
}

/** The probes and /metrics alone, served by worker-only processes on METRICS_PORT. */
export function createOpsApp(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use(async (c, next) => {
    c.set("log", deps.log);
    await next();
  });
  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps));
  return app;
}
