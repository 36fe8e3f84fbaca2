import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { PROJECT_ROOT, STATIC_DIR } from "../paths.ts";
import type { WebEnv } from "./deps.ts";

const require = createRequire(import.meta.url);

/**
 * Browser files taken straight from node_modules (no copy step), so the versions are exactly
 * the ones package-lock.json pins. The replay player bundle comes from rl-arena-env.
 */
export function vendorFiles(): Record<string, string> {
  const files: Record<string, string> = {
    "htmx.min.js": require.resolve("htmx.org/dist/htmx.min.js"),
    "hx-sse.min.js": require.resolve("htmx.org/dist/ext/hx-sse.min.js"),
    "alpine.min.js": require.resolve("alpinejs/dist/cdn.min.js"),
  };
  const player = [join(PROJECT_ROOT, "env", "dist", "player.js"), join(PROJECT_ROOT, "node_modules", "rl-arena-env", "dist", "player.js")]
    .find((p) => existsSync(p));
  if (player) files["replay-player.js"] = player;
  return files;
}

/**
 * `/static/*` from static/ (CSS, our small scripts) and `/static/vendor/*` from node_modules.
 * Paths are absolute (found from the project root), so the bundle in dist/ serves the same files.
 */
export function staticRoutes(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const vendor = vendorFiles();
  const cache = (maxAge: number) => async (c: { header(k: string, v: string): void }, next: () => Promise<void>) => {
    await next();
    c.header("Cache-Control", `public, max-age=${maxAge}`);
  };
  app.use("/static/vendor/:file", cache(86_400), async (c, next) => {
    const path = vendor[c.req.param("file")];
    return path ? serveStatic({ path })(c, next) : c.text("no such vendor file", 404);
  });
  app.use("/static/*", cache(300), serveStatic({ root: STATIC_DIR, rewriteRequestPath: (p) => p.replace(/^\/static/, "") }));
  app.get("/static/*", (c) => c.text("no such static file", 404));
  return app;
}
