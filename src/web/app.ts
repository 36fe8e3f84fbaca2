import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { adminRoutes } from "./pages/admin_routes.tsx";
import { adminSystemRoutes } from "./pages/admin_system_routes.tsx";
import { agentFormRoutes } from "./pages/agent_form_routes.tsx";
import { eventRoutes } from "./live/events.ts";
import { HTTPException } from "hono/http-exception";
import { HttpError, jsonError, toHttpError } from "./http/error_responses.ts";
import { pageError, pageRenderer } from "./pages/common.tsx";
import { refuseNulInUrl, sameOriginWrites } from "./http/request_guards.ts";
import { liveRenderer } from "./live/renderers.tsx";
import { readingRoutes } from "./pages/reading_routes.tsx";
import { versionTestPages } from "./pages/version_test_routes.tsx";
import { profileRoutes } from "./pages/profile_routes.tsx";
import { sessionRoutes } from "./pages/session_routes.tsx";
import { LiveHub } from "./live/hub.ts";
import { staticRoutes } from "./http/static.ts";
import { apiRoutes } from "./api/routes.ts";
import type { WebDeps, WebEnv } from "./deps.ts";
import { healthRoutes } from "./http/health.ts";
import { httpMetrics, metricsRoutes } from "./http/metrics_routes.ts";
import { countSseSubscribersWith } from "../metrics.ts";

/**
 * The whole web application as a Web-standard `fetch` handler (no Node APIs), so tests call
 * `app.request()` without a socket and it could run on Deno or Bun.
 */
export function createApp(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use(requestId());
  // Pages are wrapped in the layout by this renderer (c.render); first, so that the 404 page and
  // pages of errors thrown by any later middleware get it too. The API answers JSON.
  // Pages get the layout; /api/docs is a page too (the rest of /api is data).
  const isData = (path: string) => path.startsWith("/api/") && path !== "/api/docs";
  app.use((c, next) => (isData(c.req.path) ? next() : pageRenderer(c, next)));
  app.use(httpMetrics());
  app.use(async (c, next) => {
    const started = performance.now();
    // c.get, not c.var: Hono's c.var getter copies every variable into a new object per access.
    const log = deps.log.child({ requestId: c.get("requestId") });
    c.set("log", log);
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const fields: Record<string, unknown> = { method: c.req.method, path: c.req.path, status: c.res.status, ms };
    const user = c.get("user");
    if (user) fields.userId = user.id;
    // A coded SQL error (RLAxx) is logged once, here, with its code; the response already explains it.
    const code = (c.error as { code?: unknown } | undefined)?.code;
    if (typeof code === "string") fields.errorCode = code;
    if (c.error && typeof code === "string") fields.error = c.error.message;
    if (c.req.path !== "/health") log.info("request", fields);
  });
  // Pages: our own scripts only (no inline script, no eval).
  const pageHeaders = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: ["'self'"],
    },
  });
  // The API: JSON; nothing may frame it.
  const apiHeaders = secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  });
  const smallBody = bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => { throw new HttpError(413, "payload_too_large", "the request body is larger than 1 MB (uploads at /submissions have their own limit, the archive_max_bytes setting)"); },
  });
  const uploadPath = (p: string) => p === "/submissions" || p === "/api/v1/submissions";
  // GET/HEAD/OPTIONS carry no body to limit, and touching the body would make the Node adapter
  // build a full Request (with an AbortSignal) for every read: measurable at thousands of req/s.
  const readOnly = (m: string) => m === "GET" || m === "HEAD" || m === "OPTIONS";
  // Headers first, so that the refusals below carry them too.
  app.use((c, next) => (isData(c.req.path) ? apiHeaders : pageHeaders)(c, next));
  app.use(refuseNulInUrl);
  app.use(sameOriginWrites);
  app.use((c, next) => (uploadPath(c.req.path) || readOnly(c.req.method) ? next() : smallBody(c, next)));
  const hub = deps.hub ?? new LiveHub(liveRenderer(deps.sql), deps.log);
  countSseSubscribersWith(() => hub.subscriberCount());
  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/api", apiRoutes(deps));
  app.route("/", staticRoutes());
  app.route("/", eventRoutes(hub, deps));
  app.route("/", readingRoutes(deps, hub, "/static/vendor/replay-player.js"));
  app.route("/", sessionRoutes(deps));
  app.route("/", agentFormRoutes(deps));
  app.route("/", versionTestPages(deps, hub));
  app.route("/", profileRoutes(deps));
  app.route("/", adminSystemRoutes(deps));
  app.route("/", adminRoutes(deps, deps.sandboxStatus));
  // An unknown URL: the site's own 404 page (a real HTML document), JSON under /api.
  app.notFound((c) => c.req.path.startsWith("/api/")
    ? jsonError(c, new HttpError(404, "not_found", `no route ${c.req.method} ${c.req.path}; see /api/openapi.json`))
    : pageError(c, new HttpError(404, "not_found", `there is no page at ${c.req.path}`)));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse(); // hono's own refusals
    if (!c.req.path.startsWith("/api/") && c.req.path !== "/health" && c.req.path !== "/ready") return pageError(c, err);
    if (toHttpError(err)) return jsonError(c, err);
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
