/**
 * The replay player in Chromium: it refuses replays it cannot read (unknown schema, an
 * environment version it cannot draw) with a message instead of a canvas; it plays a compact
 * replay by re-simulating it in the page; `#step=N` opens it paused at frame N, and
 * "copy link to this step" gives such a link.
 */
import * as assert from "uvu/assert";
import { compactReplay, renderReplayHtml, type Replay } from "../src/index.ts";
import { bundlePage, counter, openPage, pixel, playerSuite, pongReplay } from "./player_browser.ts";

const test = playerSuite("replay player: versions, compact replays, step links", "rla-player-links-");

const replay: Replay = pongReplay();
const last = replay.steps.length - 1;

test("a replay of an unknown schema version is refused with a message, and nothing is drawn", async (ctx) => {
  const page = await openPage(ctx, bundlePage({ ...JSON.parse(JSON.stringify(replay)), schema_version: 99 }), "schema99");
  const alert = page.locator(".rla-refused[role=alert]");
  assert.match((await alert.textContent()) ?? "", /This replay cannot be played here\. .*schema_version: this rl-arena-env reads replay schema 1 \(frames\) and 2 \(compact: actions re-simulated\), got 99/);
  assert.is(await page.locator("canvas").count(), 0, "no canvas");
  assert.is(await page.evaluate(() => (window as unknown as { handle: { error: string | null; frameCount: number } }).handle.frameCount), 0);
  assert.equal(ctx.errors, []);
  await page.context().close();
});

test("a replay of an environment version the player cannot draw is refused, naming both versions", async (ctx) => {
  const other = JSON.parse(JSON.stringify(replay));
  other.environment.version = "2.0.0";
  const page = await openPage(ctx, bundlePage(other), "pong2");
  assert.match((await page.locator(".rla-refused").textContent()) ?? "", /recorded on pong "2\.0\.0", and this player draws pong 1\.x only \(it has pong 1\.0\.0\)/);
  assert.is(await page.locator("canvas").count(), 0);
  const compact = JSON.parse(JSON.stringify(compactReplay(replay)));
  compact.environment.version = "1.0.1";
  const page2 = await openPage(ctx, bundlePage(compact), "pong101-compact");
  assert.match((await page2.locator(".rla-refused").textContent()) ?? "", /recorded on pong 1\.0\.1; rebuilding its frames needs exactly that version, and this rl-arena-env has pong 1\.0\.0/);
  assert.equal(ctx.errors, []);
  await page.context().close();
  await page2.context().close();
});

test("a compact replay is re-simulated in the page and draws the same frames", async (ctx) => {
  const page = await openPage(ctx, bundlePage(compactReplay(replay)), "compact");
  assert.is(await counter(page), `frame 0 / ${last}`);
  await page.locator("input[type=range]").fill("120");
  const state = replay.steps[120].render as { ball: { x: number; y: number } };
  assert.equal(await pixel(page, state.ball.x, state.ball.y), [255, 255, 255], "frame 120's ball where the recorded frame has it");
  assert.equal(ctx.errors, []);
  await page.context().close();
});

test("#step=N opens the replay paused at frame N; a new #step moves there", async (ctx) => {
  const page = await openPage(ctx, renderReplayHtml(replay, { autoplay: true }), "linked", { hash: "#step=120" });
  assert.is(await counter(page), `frame 120 / ${last}`);
  await page.waitForTimeout(300);
  assert.is(await counter(page), `frame 120 / ${last}`, "paused although the file autoplays");
  assert.is(await page.locator("button[data-role=play]").textContent(), "▶ Play");
  const state = replay.steps[120].render as { ball: { x: number; y: number } };
  assert.equal(await pixel(page, state.ball.x, state.ball.y), [255, 255, 255]);
  await page.evaluate(() => (location.hash = "#step=7"));
  await page.waitForFunction(() => document.querySelector(".rla-frame")!.textContent!.startsWith("frame 7 /"));
  await page.evaluate(() => (location.hash = `#step=99999`));
  await page.waitForFunction((n) => document.querySelector(".rla-frame")!.textContent === `frame ${n} / ${n}`, last);
  assert.equal(ctx.errors, []);
  await page.context().close();
});

test("without #step the file autoplays as before", async (ctx) => {
  const page = await openPage(ctx, renderReplayHtml(replay, { autoplay: true }), "autoplay");
  await page.waitForFunction(() => /frame ([1-9]\d*)/.test(document.querySelector(".rla-frame")!.textContent!));
  await page.context().close();
});

test("'copy link to this step' puts #step=N in the address and offers the link", async (ctx) => {
  const page = await openPage(ctx, renderReplayHtml(replay), "copy");
  await page.locator("input[type=range]").fill("42");
  await page.locator("button", { hasText: "Copy link to this step" }).click();
  const status = page.locator(".rla-link-status");
  await page.waitForFunction(() => /#step=42\b/.test(document.querySelector(".rla-link-status")!.textContent!));
  assert.match((await status.textContent()) ?? "", /(Link to step 42 copied|Copy this link): file:\/\/.*copy\.html#step=42$/);
  assert.match(page.url(), /copy\.html#step=42$/);
  assert.is(await counter(page), `frame 42 / ${last}`, "copying does not move the player");
  // The link opens at that step.
  const again = await (await ctx.browser.newContext()).newPage();
  await again.goto(page.url());
  assert.is(await again.locator(".rla-frame").textContent(), `frame 42 / ${last}`);
  assert.equal(ctx.errors, []);
  await page.context().close();
  await again.context().close();
});

test.run();
