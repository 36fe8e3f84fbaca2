/**
 * What the replay-player suites share: a headless Chromium (playwright-core) and a temporary
 * folder for each suite, pages opened from files there with their errors (and requests)
 * collected, the pong replay they play, a page mounting the player bundle on a document as
 * given, and readers of the frame counter and the canvas.
 * Needs Chromium (CHROME_PATH or /usr/lib/chromium/chromium); without it a suite says so and fails.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { suite } from "uvu";
import { builtinAgents, playEpisode, playerBundleSource, type DebugInfo, type Replay } from "../src/index.ts";

const CHROME = process.env.CHROME_PATH ?? "/usr/lib/chromium/chromium";

/** A suite's browser and folder, and what the page opened last reported. */
export interface PlayerContext {
  browser: Browser;
  dir: string;
  /** URLs the page requested. */
  requests: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
}

/**
 * A uvu suite whose context holds a Chromium and a temporary folder (files named `prefix…`),
 * both gone after the suite. Its own `before` hooks run after this one's.
 */
export function playerSuite<T extends object = object>(title: string, prefix: string) {
  const test = suite<PlayerContext & T>(title, {} as never);
  test.before(async (ctx) => {
    if (!existsSync(CHROME)) throw new Error(`Chromium not found at ${CHROME}; install it (apt-get install -y chromium) or set CHROME_PATH`);
    ctx.browser = await chromium.launch({ executablePath: CHROME, args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"] });
    ctx.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  test.after(async (ctx) => {
    await ctx.browser?.close();
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
  });
  return test;
}

/** Writes `html` to `<name>.html` in the suite's folder and opens it (plus `hash`) in a new browser context. */
export async function openPage(ctx: PlayerContext, html: string, name: string, options: { hash?: string; acceptDownloads?: boolean } = {}): Promise<Page> {
  const file = join(ctx.dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await (await ctx.browser.newContext({ acceptDownloads: options.acceptDownloads ?? false })).newPage();
  ctx.requests = [];
  ctx.errors = [];
  page.on("request", (r) => ctx.requests.push(r.url()));
  page.on("pageerror", (e) => ctx.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && ctx.errors.push(m.text()));
  await page.goto(pathToFileURL(file).href + (options.hash ?? ""));
  return page;
}

/**
 * A page that mounts the player bundle on `replay` as given (no validation on the way), with
 * `debug` for the debug panel; the mount's handle is `window.handle`.
 */
export function bundlePage(replay: unknown, debug: DebugInfo | null = null): string {
  const data = JSON.stringify({ replay, debug }).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"></head><body><div id="player"></div>
<script type="application/json" id="replay-data">${data}</script>
<script>${playerBundleSource().replace(/<\/(script)/gi, "<\\/$1")}</script>
<script>const d = JSON.parse(document.getElementById("replay-data").textContent); window.handle = RlArenaPlayer.mountReplayPlayer(document.getElementById("player"), d.replay, { keyboard: "document", debug: d.debug });</script>
</body></html>`;
}

/** The pong replay the suites play: the tracker against the random agent, seed 3, 300 steps. */
export function pongReplay(): Replay {
  return playEpisode({
    env: "pong",
    config: { max_steps: 300 },
    policies: [builtinAgents["pong-tracker"].act, builtinAgents["pong-random"].act],
    seed: 3,
    players: [{ name: "Tracker" }, { name: "Random" }],
  });
}

/** The frame counter's text, "frame i / N". */
export const counter = (page: Page) => page.locator(".rla-frame").textContent();

/** The canvas pixel at field coordinates (x, y) ∈ [0,1]², as [r, g, b]. */
export async function pixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(([fx, fy]) => {
    const c = document.querySelector("canvas")!;
    const d = c.getContext("2d")!.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, [x, y]);
}
