/**
 * The self-contained HTML replay (one file, no network) and the browser bundle of the player.
 *
 * The player lives in src/player/ and is bundled by esbuild to dist/player.js (an IIFE that
 * defines the global `RlArenaPlayer`). A published package ships that file; in a git checkout
 * it is built on first use (esbuild is a dev dependency) and rebuilt when src/player/ changes.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadReplay, type Replay } from "./replay.ts";

const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
const PLAYER_SOURCE_DIR = join(PACKAGE_ROOT, "src", "player");
const BUNDLE_PATH = join(PACKAGE_ROOT, "dist", "player.js");
const INSTALLED = /[\\/]node_modules[\\/]/.test(PACKAGE_ROOT);

/**
 * Builds the player bundle with esbuild (synchronously) to `outfile` (default dist/player.js).
 * Throws a clear error when esbuild is not installed.
 */
export function buildPlayerBundle(outfile: string = BUNDLE_PATH): string {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = createRequire(import.meta.url)("esbuild");
  } catch {
    throw new Error(`The replay player bundle ${outfile} is missing and esbuild is not installed to build it; run "npm run build" in the rl-arena-env package (or install esbuild)`);
  }
  mkdirSync(dirname(outfile), { recursive: true });
  const temporary = `${outfile}.${process.pid}.tmp`;
  esbuild.buildSync({
    entryPoints: [join(PLAYER_SOURCE_DIR, "bundle_entry.ts")],
    outfile: temporary,
    bundle: true,
    format: "iife",
    globalName: "RlArenaPlayer",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  renameSync(temporary, outfile); // atomic, so parallel builds never expose half a file
  return outfile;
}

/**
 * Path of dist/player.js. In a source checkout it is (re)built when missing or older than
 * src/player/; an installed copy (under node_modules, where npm sets file times at extraction)
 * uses the shipped bundle as is.
 */
export function playerBundlePath(): string {
  const exists = existsSync(BUNDLE_PATH);
  if (exists && INSTALLED) return BUNDLE_PATH;
  if (!exists || (existsSync(PLAYER_SOURCE_DIR) && newestSource() > statSync(BUNDLE_PATH).mtimeMs)) {
    try {
      buildPlayerBundle();
    } catch (error) {
      if (!exists) throw error;
    }
  }
  return BUNDLE_PATH;
}

/** The browser bundle's source (defines `RlArenaPlayer.mountReplayPlayer`), for inlining or serving. */
export function playerBundleSource(): string {
  return readFileSync(playerBundlePath(), "utf8");
}

export interface ReplayHtmlOptions {
  /** Page title; default "<env> replay: A vs B". */
  title?: string;
  /** Start playing when opened. Default false. */
  autoplay?: boolean;
}

/**
 * One self-contained HTML file (inline script and styles, no network) that plays `replay`
 * with the canvas player. The replay is validated first (loadReplay).
 */
export function renderReplayHtml(replay: Replay | string, options: ReplayHtmlOptions = {}): string {
  const valid = loadReplay(replay);
  const names = valid.players.map((p) => p.name).join(" vs ");
  const title = options.title ?? `${valid.environment.id} replay: ${names}`;
  const data = JSON.stringify(valid).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  const bundle = playerBundleSource().replace(/<\/(script)/gi, "<\\/$1");
  const mountOptions = JSON.stringify({ keyboard: "document", autoplay: options.autoplay === true });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;padding:24px;background:#0a0a0a;color:#e0e0e0;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;display:flex;flex-direction:column;align-items:center}
h1{color:#00ff88;font-size:20px;font-weight:600;margin:0 0 16px}
footer{margin-top:12px;font-size:12px;color:#888}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div id="player"></div>
<footer>Space: play/pause · ←/→: step one frame · rl-arena-env replay (schema ${valid.schema_version})</footer>
<script type="application/json" id="replay-data">${data}</script>
<script>${bundle}</script>
<script>RlArenaPlayer.mountReplayPlayer(document.getElementById("player"), JSON.parse(document.getElementById("replay-data").textContent), ${mountOptions});</script>
</body>
</html>
`;
}

function newestSource(): number {
  return Math.max(...readdirSync(PLAYER_SOURCE_DIR).map((f) => statSync(join(PLAYER_SOURCE_DIR, f)).mtimeMs));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
