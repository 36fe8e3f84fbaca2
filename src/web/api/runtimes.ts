import { createRoute } from "@hono/zod-openapi";
import { kubernetesCatalogue, localCatalogue } from "../../executor/runtimes.ts";
import type { WebDeps } from "../deps.ts";
import { apiArea } from "./common.ts";
import { json } from "./route_docs.ts";
import { RuntimesSchema } from "./schemas.ts";

/**
 * `GET /runtimes`: the interpreters an agent's `{"protocol": "stdio", "command": [...]}` may
 * name on this platform, with their versions, and whether an archive's own Dockerfile is built.
 * A web process reports its own machine's interpreters: workers run from the same image.
 */
export function runtimesApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "get", path: "/", tags: ["environments"],
    summary: "Interpreters an agent.json {\"protocol\": \"stdio\", \"command\": [...]} may name here, with their versions, and whether an archive's own Dockerfile is built",
    responses: { 200: json("The runtimes of this platform's executor", RuntimesSchema) },
  }), (c) => c.json(deps.config.EXECUTOR === "kubernetes" ? kubernetesCatalogue() : localCatalogue(), 200));
  return app;
}
