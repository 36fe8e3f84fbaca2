import type { OpenAPIHono } from "@hono/zod-openapi";
import { formatBytes } from "../../submissions/intake_errors.ts";
import type { WebEnv } from "../deps.ts";

type Json = Record<string, unknown>;
type Api = OpenAPIHono<WebEnv>;

/** The two ways to be signed in that routes name in `security` (route_docs.ts signedIn). */
export function registerSecuritySchemes(api: Api): void {
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http", scheme: "bearer", bearerFormat: "JWT",
    description: "The token from POST /auth/login or /auth/register (24 h, or until a logout, password change or the account is disabled).",
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey", in: "cookie", name: "session", description: "The browser session; changes need a same-origin request.",
  });
}

const INFO = {
  title: "RL-Arena API", version: "1.0.0",
  description: "Upload agents, follow their builds and matches, read leaderboards and download replays. Lists take ?page=&pageSize= (1–100) and answer {<items>, page, pageSize, total}. Errors are {error, message?, details?}.",
};

/** `get` `/agents/{id}/stats` → `getAgentsIdStats`: stable ids Swagger UI anchors its operations on. */
const operationId = (method: string, path: string) =>
  method + path.replace(/[{}]/g, "").replace(/\/(\w)/g, (_, ch: string) => ch.toUpperCase()).replace(/[^A-Za-z0-9]/g, "");

const cache = new WeakMap<Api, { maxUploadBytes: number; doc: Json }>();

/**
 * The OpenAPI 3.1 document of /api/v1, generated from its routes' createRoute() definitions,
 * with the upload limit of the settings (upload_limits()) written in where the text names it
 * ({maxUpload}); rebuilt only when that limit changes.
 */
export function openApiDocument(api: Api, limits: { maxUploadBytes: number }): Json {
  const hit = cache.get(api);
  if (hit?.maxUploadBytes === limits.maxUploadBytes) return hit.doc;
  const generated = api.getOpenAPI31Document({ openapi: "3.1.0", info: INFO, servers: [{ url: "/api/v1" }] });
  const tags = new Set<string>(); // in the order the routes are mounted (routes.ts), so none is left out
  for (const [path, methods] of Object.entries(generated.paths ?? {})) {
    for (const [method, op] of Object.entries(methods as Record<string, Json>)) {
      op.operationId ??= operationId(method, path);
      for (const tag of (op.tags as string[] | undefined) ?? []) tags.add(tag);
    }
  }
  generated.tags = [...tags].map((name) => ({ name }));
  const doc = JSON.parse(JSON.stringify(generated).replaceAll("{maxUpload}", formatBytes(limits.maxUploadBytes))) as Json;
  cache.set(api, { maxUploadBytes: limits.maxUploadBytes, doc });
  return doc;
}
