import { Hono, type MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { collectDatabaseMetrics, httpDuration, registry } from "../../metrics.ts";
import type { WebDeps, WebEnv } from "../deps.ts";

/**
 * Times every request under the PATTERN of the route that answered it (`/agents/:id`, never the raw path, so label
 * sets stay bounded); requests that matched no route count as `unmatched`.
 */
export function httpMetrics(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      let route = "unmatched";
      try {
        // After next(), the current route index is the handler that answered; a
        // catch-all middleware there means no route matched (404).
        const answered = routePath(c);
        if (answered && !answered.endsWith("*")) route = answered;
      } catch {
        // no route matched
      }
      const status = c.res?.status ?? 500;
      httpDuration.observe({ method: c.req.method, route, status_class: `${Math.floor(status / 100)}xx` }, (performance.now() - started) / 1000);
    }
  };
}

/**
 * `GET /metrics` in Prometheus text format. When METRICS_TOKEN is set it needs
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function metricsRoutes(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get("/metrics", async (c) => {
    const token = deps.config.METRICS_TOKEN;
    if (token && !sameSecret(c.req.header("authorization") ?? "", `Bearer ${token}`)) {
      c.header("WWW-Authenticate", 'Bearer realm="metrics"');
      return c.json({ error: "unauthorized", message: "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>" }, 401);
    }
    await collectDatabaseMetrics(deps.sql);
    return c.body(await registry.metrics(), 200, { "Content-Type": registry.contentType });
  });
  return app;
}

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
