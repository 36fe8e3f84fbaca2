import { Hono } from "hono";
import { kubernetesCatalogue, localCatalogue } from "../../executor/runtimes.ts";
import type { WebDeps, WebEnv } from "../deps.ts";

/**
 * `GET /runtimes`: the interpreters an agent's `{"protocol": "stdio", "command": [...]}` may
 * name on this platform, with their versions, and whether an archive's own Dockerfile is built.
 * A web process reports its own machine's interpreters: workers run from the same image.
 */
export function runtimesApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get("/", (c) => c.json(deps.config.EXECUTOR === "kubernetes" ? kubernetesCatalogue() : localCatalogue()));
  return app;
}
