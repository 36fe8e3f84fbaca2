import { createRequire } from "node:module";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { PLAYER_CSS, playerBundleSource } from "rl-arena-env";
import { STATIC_DIR } from "../../paths.ts";
import type { WebEnv } from "../deps.ts";

const require = createRequire(import.meta.url);

/**
 * Browser files taken straight from node_modules (no copy step), so the versions are exactly
 * the ones package-lock.json pins. The replay player bundle comes from rl-arena-env.
 */
export function vendorFiles(): Record<string, string> {
  const files: Record<string, string> = {
    "htmx.min.js": require.resolve("htmx.org/dist/htmx.min.js"),
    "hx-sse.min.js": require.resolve("htmx.org/dist/ext/hx-sse.min.js"),
    // Alpine's official CSP build: our CSP has no 'unsafe-eval', which the standard build needs.
    "alpine.min.js": require.resolve("@alpinejs/csp/dist/cdn.min.js"),
    // The interactive API reference on /api/docs (Swagger UI).
    "swagger-ui-bundle.js": require.resolve("swagger-ui-dist/swagger-ui-bundle.js"),
    "swagger-ui.css": require.resolve("swagger-ui-dist/swagger-ui.css"),
  };
  return files;
}

/**
 * The player bundle's source from rl-arena-env: embedded in built code (dist/main.js, so the
 * server never starts esbuild), read from env/dist/player.js in a source checkout. Null when a
 * checkout has no bundle and cannot build one.
 */
function playerSource(): string | null {
  try {
    return playerBundleSource();
  } catch {
    return null;
  }
}

/**
 * `/static/*` from static/ (CSS, our small scripts) and `/static/vendor/*` from node_modules.
 * Paths are absolute (found from the project root), so the bundle in dist/ serves the same files.
 */
export function staticRoutes(): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const vendor = vendorFiles();
  // The player's stylesheet as a file: our CSP does not allow the <style> it would inject.
  app.get("/static/player.css", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.body(PLAYER_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
  });
  const cache = (maxAge: number) => async (c: { header(k: string, v: string): void }, next: () => Promise<void>) => {
    await next();
    c.header("Cache-Control", `public, max-age=${maxAge}`);
  };
  app.use("/static/vendor/:file", cache(86_400), async (c, next) => {
    const file = c.req.param("file");
    if (file === "replay-player.js") {
      const source = playerSource();
      if (!source) return c.text("the replay player bundle is not built (npm run build -w env)", 404);
      return c.body(source, 200, { "Content-Type": "text/javascript; charset=utf-8" });
    }
    // Own keys only: `constructor` or `__proto__` must not reach Object.prototype.
    const path = Object.hasOwn(vendor, file) ? vendor[file] : undefined;
    return path ? serveStatic({ path })(c, next) : c.text("no such vendor file", 404);
  });
  app.use("/static/*", cache(300), serveStatic({ root: STATIC_DIR, rewriteRequestPath: (p) => p.replace(/^\/static/, "") }));
  app.get("/static/*", (c) => c.text("no such static file", 404));
  return app;
}
