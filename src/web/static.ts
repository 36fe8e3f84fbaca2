import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { PLAYER_CSS } from "rl-arena-env";
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
  const player = playerBundle();
  if (player) files["replay-player.js"] = player;
  return files;
}

let built: Promise<string | null> | null = null;

/**
 * The player bundle's source: env/dist/player.js when built, otherwise (development, tests)
 * bundled once in memory from env/src with esbuild, when esbuild is installed.
 */
async function playerSource(): Promise<string | null> {
  const file = playerBundle();
  if (file) return readFile(file, "utf8");
  built ??= (async () => {
    try {
      const esbuild = await import("esbuild");
      const out = await esbuild.build({
        entryPoints: [join(PROJECT_ROOT, "env", "src", "player", "bundle_entry.ts")],
        bundle: true, write: false, format: "iife", globalName: "RlArenaPlayer", platform: "browser", minify: true, target: "es2020",
      });
      return out.outputFiles[0].text;
    } catch {
      return null;
    }
  })();
  return built;
}

/** rl-arena-env's browser bundle of the replay player (built by env/scripts/build_types.mjs), if built. */
export function playerBundle(): string | null {
  return [join(PROJECT_ROOT, "env", "dist", "player.js"), join(PROJECT_ROOT, "node_modules", "rl-arena-env", "dist", "player.js")]
    .find((p) => existsSync(p)) ?? null;
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
      const source = await playerSource();
      if (!source) return c.text("the replay player bundle is not built (node env/scripts/build_types.mjs)", 404);
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
