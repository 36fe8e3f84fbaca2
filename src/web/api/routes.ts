import { Hono, type MiddlewareHandler } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { loadUser, rejectInvalidToken } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError, jsonError } from "../http/error_responses.ts";
import { apiArea, MAX_JSON_BYTES } from "./common.ts";
import { jsx } from "hono/jsx";
import { ApiDocsPage, apiDocsHead } from "../../../views/api_docs.tsx";
import { openApiDocument, registerSecuritySchemes } from "./openapi.ts";
import { agentsApi } from "./agents.ts";
import { challengesApi } from "./challenges.ts";
import { versionTestsApi } from "./version_tests.ts";
import { authApi } from "./auth.ts";
import { environmentsApi } from "./environments.ts";
import { leaderboardApi } from "./leaderboard.ts";
import { matchesApi } from "./matches.ts";
import { runtimesApi } from "./runtimes.ts";
import { submissionsApi } from "./submissions.ts";
import { uploadBodyLimit } from "../http/upload_body_limit.ts";
import { uploadLimits } from "../../submissions/upload_limits.ts";
import { usersApi } from "./users.ts";

const tooLarge = (limit: number): MiddlewareHandler<WebEnv> =>
  bodyLimit({ maxSize: limit, onError: () => { throw new HttpError(413, "payload_too_large", `the request body is over ${limit} bytes, the limit of this route`); } });

/** The JSON API under /api/v1 (one small OpenAPIHono per area; their createRoute() definitions make the document). */
export function apiV1(deps: WebDeps): OpenAPIHono<WebEnv> {
  const api = apiArea();
  registerSecuritySchemes(api);
  api.onError((e, c) => jsonError(c, e));
  const limitJson = tooLarge(MAX_JSON_BYTES);
  const limitUpload = uploadBodyLimit(deps);
  api.use("*", async (c, next) => {
    const m = c.req.method;
    if (m === "GET" || m === "HEAD" || m === "OPTIONS") return next(); // no body to limit (and touching it is costly)
    const upload = m === "POST" && c.req.path.replace(/\/+$/, "").endsWith("/api/v1/submissions");
    return (upload ? limitUpload : limitJson)(c, next);
  });
  api.use("*", loadUser(deps));
  api.use("*", rejectInvalidToken);
  // Cookie-authenticated changes are checked for their origin before routing (request_guards.ts).
  api.route("/auth", authApi(deps));
  api.route("/agents", agentsApi(deps));
  api.route("/submissions", submissionsApi(deps));
  api.route("/matches", matchesApi(deps));
  api.route("/challenges", challengesApi(deps));
  api.route("/version-tests", versionTestsApi(deps));
  api.route("/leaderboard", leaderboardApi(deps));
  api.route("/users", usersApi(deps));
  api.route("/environments", environmentsApi(deps));
  api.route("/runtimes", runtimesApi(deps));
  api.all("*", (c) => {
    throw new HttpError(404, "not_found", `no API route ${c.req.method} ${c.req.path}; see /api/openapi.json`);
  });
  return api;
}

/** Everything under /api: the versioned API, its OpenAPI document and the docs page. */
export function apiRoutes(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const v1 = apiV1(deps);
  const document = async () => openApiDocument(v1, { maxUploadBytes: (await uploadLimits(deps.sql)).maxPackedBytes });
  app.get("/openapi.json", async (c) => c.json(await document()));
  // A page of the site: createApp gives this path the page renderer (the layout) and page headers.
  app.get("/docs", loadUser(deps), async (c) => c.render(jsx(ApiDocsPage, { viewer: c.var.user ?? null, doc: await document() }), apiDocsHead));
  app.route("/v1", v1);
  return app;
}
