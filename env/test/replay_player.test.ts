/**
 * The HTML replay in a real browser (Chromium via playwright-core): it loads with no network,
 * draws the game, and every control works — play/pause, restart, speeds, the scrub slider with
 * its "frame i / N" counter, Space and ←/→, and the download button.
 * Needs Chromium (CHROME_PATH or /usr/lib/chromium/chromium); without it the file says so and fails.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import * as assert from "uvu/assert";
import { builtinAgents, playEpisode, renderReplayHtml, type Replay } from "../src/index.ts";
import { counter, openPage, pixel, playerSuite, pongReplay, type PlayerContext } from "./player_browser.ts";

const test = playerSuite("HTML replay player", "rla-player-");

/** The replay's own HTML file, opened in Chromium (downloads allowed). */
const open = (ctx: PlayerContext, replay: Replay, name: string): Promise<Page> =>
  openPage(ctx, renderReplayHtml(replay), name, { acceptDownloads: true });

const frameOf = async (page: Page) => Number(/frame (\d+)/.exec((await counter(page)) ?? "")![1]);

test("the pong replay opens offline at frame 0 and draws the field, paddles and ball", async (ctx) => {
  const replay = pongReplay();
  const page = await open(ctx, replay, "pong");
  assert.is(await counter(page), `frame 0 / ${replay.steps.length - 1}`);
  assert.equal(ctx.requests.filter((u) => !u.startsWith("file:")), [], "no network requests");
  assert.equal(ctx.errors, []);
  assert.equal(await pixel(page, 0.05, 0.5), [0x00, 0xff, 0x88], "left paddle (green) at y = 0.5");
  assert.equal(await pixel(page, 0.95, 0.5), [0xff, 0x00, 0x66], "right paddle (pink) at y = 0.5");
  assert.equal(await pixel(page, 0.5, 0.5), [255, 255, 255], "ball at the centre");
  assert.equal(await pixel(page, 0.25, 0.8), [0x1a, 0x1a, 0x2e], "background");
  assert.match((await page.locator(".rla-caption").textContent()) ?? "", "Tracker 0 – 0 Random");
  await page.context().close();
});

test("Space plays and pauses, arrows step, the slider scrubs, restart rewinds", async (ctx) => {
  const replay = pongReplay();
  const page = await open(ctx, replay, "keys");
  await page.keyboard.press("Space");
  await page.waitForFunction(() => /frame ([1-9]\d*)/.test(document.querySelector(".rla-frame")!.textContent!));
  await page.keyboard.press("Space");
  const paused = await frameOf(page);
  await page.waitForTimeout(200);
  assert.is(await frameOf(page), paused, "paused");
  assert.is(await page.locator("button[data-role=play]").textContent(), "▶ Play");
  await page.keyboard.press("ArrowRight");
  assert.is(await frameOf(page), paused + 1);
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  assert.is(await frameOf(page), paused - 1);
  await page.locator("input[type=range]").fill("120");
  assert.is(await counter(page), `frame 120 / ${replay.steps.length - 1}`);
  const state = replay.steps[120].render as { ball: { x: number; y: number } };
  assert.equal(await pixel(page, state.ball.x, state.ball.y), [255, 255, 255], "frame 120's ball is drawn where its render state says");
  await page.locator("button", { hasText: "Restart" }).click();
  // Restart rewinds from frame 120 and plays on; a loaded machine may show a few dozen frames
  // played before we read the counter, never 120 or more.
  assert.ok((await frameOf(page)) < 60, "restart goes back to frame 0 and plays");
  assert.is(await page.locator("button[data-role=play]").textContent(), "⏸ Pause");
  // Space on the focused Play button toggles once (not once for the key and once for a click)
  await page.locator("button[data-role=play]").focus();
  await page.keyboard.press("Space");
  assert.is(await page.locator("button[data-role=play]").textContent(), "▶ Play");
  await page.keyboard.press("Space");
  assert.is(await page.locator("button[data-role=play]").textContent(), "⏸ Pause");
  assert.equal(ctx.errors, []);
  await page.context().close();
});

test("speed buttons change the playback rate and playback stops at the last frame with the result", async (ctx) => {
  const replay = pongReplay();
  const last = replay.steps.length - 1;
  const page = await open(ctx, replay, "speed");
  const rate = async (speed: string) => {
    await page.locator(`button[data-speed="${speed}"]`).click();
    assert.is(await page.locator(`button[data-speed="${speed}"]`).getAttribute("aria-pressed"), "true");
    await page.locator("input[type=range]").fill("0");
    const start = await frameOf(page);
    await page.keyboard.press("Space");
    await page.waitForTimeout(500);
    await page.keyboard.press("Space");
    return (await frameOf(page)) - start;
  };
  const slow = await rate("0.5");
  const fast = await rate("2");
  // Nominally 4× as many frames; a loaded machine renders fewer at 2×, so ask for 1.5× — still
  // far above what a speed button that changed nothing (1×) would give.
  assert.ok(slow > 5 && fast > slow * 1.5, `0.5× advanced ${slow} frames and 2× ${fast} in 0.5 s`);
  await page.locator("input[type=range]").fill(String(last - 3));
  await page.keyboard.press("Space");
  await page.waitForFunction((n) => document.querySelector(".rla-frame")!.textContent === `frame ${n} / ${n}`, last);
  await page.waitForTimeout(100);
  assert.is(await page.locator("button[data-role=play]").textContent(), "▶ Play", "stopped at the end");
  const caption = (await page.locator(".rla-caption").textContent()) ?? "";
  assert.match(caption, replay.result.winner === null ? "Draw" : `Winner: ${replay.players[replay.result.winner].name}`);
  await page.context().close();
});

test("the download button saves the replay JSON", async (ctx) => {
  const replay = pongReplay();
  const page = await open(ctx, replay, "download");
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("button", { hasText: "Download" }).click()]);
  assert.is(download.suggestedFilename(), "replay-pong-seed3.json");
  const saved = JSON.parse(readFileSync((await download.path())!, "utf8"));
  assert.equal(saved, JSON.parse(JSON.stringify(replay)));
  await page.context().close();
});

test("board game replays draw their grids and announce the winner on the last frame", async (ctx) => {
  for (const [env, a, b] of [["tic-tac-toe", "tictactoe-heuristic", "tictactoe-random"], ["connect-four", "connect-four-heuristic", "connect-four-random"]]) {
    const replay = playEpisode({ env, policies: [builtinAgents[a].act, builtinAgents[b].act], seed: 11, players: [{ name: "Smart" }, { name: "Dumb" }] });
    const page = await open(ctx, replay, env);
    assert.match((await page.locator(".rla-caption").textContent()) ?? "", "Smart to move");
    await page.keyboard.press("End"); // not bound: nothing happens
    assert.is(await frameOf(page), 0);
    const last = replay.steps.length - 1;
    await page.locator("input[type=range]").fill(String(last));
    const caption = (await page.locator(".rla-caption").textContent()) ?? "";
    assert.match(caption, replay.result.winner === 0 ? "Smart wins" : replay.result.winner === 1 ? "Dumb wins" : "Draw");
    if (env === "connect-four") {
      const move = replay.steps[1].info.last_move as { row: number; col: number };
      // first disc (player 0, red) at the bottom of its column
      assert.equal(await pixel(page, (move.col + 0.5) / 7, (move.row + 0.5) / 6), [0xe6, 0x39, 0x46]);
    }
    assert.equal(ctx.errors, [], env);
    await page.context().close();
  }
});

test.run();
