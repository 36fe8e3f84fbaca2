/**
 * The self-contained HTML replay (one file, no network) and the browser bundle of the player.
 *
 * The player lives in src/player/ and is bundled by esbuild to dist/player.js (an IIFE that
 * defines the global `RlArenaPlayer`) by bin/build.js, which also embeds that text in every
 * Node bundle it makes (and scripts/build.mjs in the platform's dist/main.js). Built code so
 * uses the embedded text: no file lookup and no esbuild when a replay is rendered. Only the
 * TypeScript source in a checkout reads dist/player.js, rebuilding it when src/player/ changed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./referee_agents.ts";
import type { Replay } from "./replay.ts";
import { loadReplay, type CompactReplay } from "./replay_compact.ts";
import type { DebugInfo } from "./player/debug_panel.ts";

/** Replaced by the bundlers with the text of dist/player.js (esbuild `define`); undefined in the sources. */
declare const __RL_ARENA_PLAYER_BUNDLE__: string | undefined;
const EMBEDDED_BUNDLE: string | null = typeof __RL_ARENA_PLAYER_BUNDLE__ === "string" ? __RL_ARENA_PLAYER_BUNDLE__ : null;

const PLAYER_SOURCE_DIR = join(PACKAGE_ROOT, "src", "player");
const BUNDLE_PATH = join(PACKAGE_ROOT, "dist", "player.js");
const BUILD_SCRIPT = join(PACKAGE_ROOT, "bin", "build.js");

/**
 * Builds dist/player.js from src/player/ (a source checkout only: needs esbuild and the
 * sources). Runs the build in a child process that ends with it, so no esbuild service
 * process stays behind in this one. Throws naming what is missing.
 */
export function buildPlayerBundle(): string {
  if (!existsSync(PLAYER_SOURCE_DIR) || !existsSync(BUILD_SCRIPT)) {
    throw new Error(`The replay player cannot be built here: ${PLAYER_SOURCE_DIR} or ${BUILD_SCRIPT} is missing (the published package ships the built dist/player.js)`);
  }
  try {
    execFileSync(process.execPath, [BUILD_SCRIPT, "--player"], { cwd: PACKAGE_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`Building the replay player bundle ${BUNDLE_PATH} failed (node ${BUILD_SCRIPT} --player needs esbuild, a dev dependency): ${stderr || (error as Error).message}`);
  }
  return BUNDLE_PATH;
}

/**
 * Path of dist/player.js. In a source checkout (src/player/ present) it is rebuilt when missing
 * or older than src/player/; the published package ships no src/, so its bundle is used as is
 * and file times (set by npm at extraction) are never compared.
 */
export function playerBundlePath(): string {
  const exists = existsSync(BUNDLE_PATH);
  if (!existsSync(PLAYER_SOURCE_DIR)) {
    if (!exists) throw new Error(`The replay player bundle ${BUNDLE_PATH} is missing; reinstall rl-arena-env or run "npm run build" in its source`);
    return BUNDLE_PATH;
  }
  if (!exists || newestSource() > statSync(BUNDLE_PATH).mtimeMs) {
    try {
      buildPlayerBundle();
    } catch (error) {
      if (!exists) throw error; // an older bundle still plays replays
    }
  }
  return BUNDLE_PATH;
}

/** The browser bundle's source (defines `RlArenaPlayer.mountReplayPlayer`), for inlining or serving. */
export function playerBundleSource(): string {
  return EMBEDDED_BUNDLE ?? readFileSync(playerBundlePath(), "utf8");
}

export interface ReplayHtmlOptions {
  /** Page title; default "<env> replay: A vs B". */
  title?: string;
  /** Start playing when opened. Default false. */
  autoplay?: boolean;
  /** The owner's seats (logs and step timelines) for the player's debug panel; only in the owner's own download. */
  debug?: DebugInfo | null;
}

/**
 * One self-contained HTML file (inline script and styles, no network) that plays `replay`
 * with the canvas player. The replay is validated first (loadReplay).
 */
export function renderReplayHtml(replay: Replay | CompactReplay | string, options: ReplayHtmlOptions = {}): string {
  const valid = loadReplay(replay);
  const names = valid.players.map((p) => p.name).join(" vs ");
  const title = options.title ?? `${valid.environment.id} replay: ${names}`;
  const data = JSON.stringify(valid).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  const bundle = playerBundleSource().replace(/<\/(script)/gi, "<\\/$1");
  const mountOptions = JSON.stringify({ keyboard: "document", autoplay: options.autoplay === true, ...(options.debug ? { debug: options.debug } : {}) })
    .replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
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
