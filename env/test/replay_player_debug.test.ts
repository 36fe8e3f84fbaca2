/**
 * The player's debug panel in Chromium, on a real refereed match (scripted agents; seat 0
 * sends an action outside the action space at step 6): each step shows the stderr lines the
 * agent wrote for it, the answer time against the step limit and the bank, a chart of the
 * answer times, and the fault, quoting the action, with a button that jumps to it.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import * as assert from "uvu/assert";
import { runMatch, type DebugInfo, type MatchResult } from "../src/index.ts";
import { pidDir, scripted } from "./fixtures/processes.ts";
import { bundlePage, openPage, playerSuite, type PlayerContext } from "./player_browser.ts";

const test = playerSuite<{ result: MatchResult; debug: DebugInfo }>("replay player: logs and timing", "rla-player-debug-");

test.before(async (ctx) => {
  const pids = pidDir();
  try {
    ctx.result = await runMatch({
      env: { id: "pong", config: { max_steps: 30 } },
      seed: 7,
      limits: { initTimeoutMs: 5000, stepTimeoutMs: 150, timeBankMs: 400, killGraceMs: 150, endGraceMs: 300 },
      agents: [scripted("Buggy", join(pids.dir, "a"), "invalid-at", "6"), scripted("Steady", join(pids.dir, "b"), "late-at", "2", "250")],
    });
  } finally {
    pids.cleanup();
  }
  const { timing, ...publicReplay } = ctx.result.replay;
  ctx.result.replay = publicReplay;
  ctx.debug = { seats: timing!.seats.map((t, seat) => ({ seat, log: ctx.result.logs[seat]!, timing: { ...t, step_timeout_ms: timing!.step_timeout_ms, time_bank_ms: timing!.time_bank_ms } })) };
});

const open = (ctx: PlayerContext, replay: unknown, debug: DebugInfo | null, name: string): Promise<Page> => openPage(ctx, bundlePage(replay, debug), name);

const seat = (page: Page, n: number) => page.locator(`.rla-seat[data-seat="${n}"]`);

test("the match ended on seat 0's invalid action at step 6", (ctx) => {
  assert.is(ctx.result.outcome.end_reason, "invalid_action");
  assert.is(ctx.result.outcome.total_steps, 6);
});

test("each step shows the lines the agent wrote for it, and its answer time against the limit and the bank", async (ctx) => {
  const page = await open(ctx, ctx.result.replay, ctx.debug, "steps");
  assert.match((await seat(page, 0).locator(".rla-log").textContent()) ?? "", /^(\(nothing on stderr before the first step\))?$/);
  assert.match((await seat(page, 0).locator(".rla-timing").textContent()) ?? "", /^started and answered init in \d/);
  for (const frame of [1, 3, 5]) {
    await page.locator("input[type=range]").fill(String(frame));
    // Frame f is the state after step f, whose action the agent chose at request f - 1.
    assert.match((await seat(page, 0).locator(".rla-log").textContent()) ?? "", new RegExp(`^step ${frame - 1} bank 0\\.4$`), `frame ${frame}`);
    assert.match((await seat(page, 0).locator(".rla-timing").textContent()) ?? "", new RegExp(`^step ${frame - 1} → frame ${frame}: answered in [\\d.]+ ms \\(limit 150 ms\\) · bank 0\\.4 s of 0\\.4 s left$`));
  }
  await page.locator("input[type=range]").fill("3");
  const late = (await seat(page, 1).locator(".rla-timing").textContent()) ?? "";
  assert.match(late, /^step 2 → frame 3: answered in (2\d\d|3\d\d) ms \(limit 150 ms\) · bank 0\.\d+ s of 0\.4 s left$/, "seat 1 took 250 ms at request 2 and drew on its bank");
  assert.is(await seat(page, 0).locator("canvas.rla-chart").count(), 1);
  // The over-limit answer is drawn as a pink bar: request 2 of 6 in seat 1's chart.
  const bar = await page.evaluate(() => {
    const c = document.querySelector('.rla-seat[data-seat="1"] canvas') as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(Math.floor((2.2 / 7) * c.width), c.height - 6, 1, 1).data;
    return [d[0], d[1], d[2]];
  });
  assert.equal(bar, [0xff, 0x00, 0x66]);
  assert.equal(ctx.errors, []);
  await page.context().close();
});

test("the fault is listed with the action quoted, and its button jumps to the last frame with the referee's note", async (ctx) => {
  const page = await open(ctx, ctx.result.replay, ctx.debug, "fault");
  const fault = page.locator(".rla-fault");
  assert.match((await fault.textContent()) ?? "", /⚠ invalid action at step 6 by Buggy: player 0 invalid_action: step 6: action "7" is not in the action space/);
  await page.locator("button[data-role=jump-fault]").click();
  assert.is(await page.locator(".rla-frame").textContent(), "frame 6 / 6");
  const log = (await seat(page, 0).locator(".rla-log").textContent()) ?? "";
  assert.match(log, /^step 5 bank 0\.4\nstep 6 bank 0\.4\n/, "the last frame shows its step and the faulting request");
  assert.match(log, /\[rl-arena referee\] invalid_action: step 6: action "7"/);
  assert.match((await seat(page, 0).locator(".rla-timing").textContent()) ?? "", /then step 6 took [\d.]+ ms and faulted$/);
  // The faulting seat's chart marks the fault (and says so); the other seat's does not.
  const chart = seat(page, 0).locator("canvas");
  assert.is(await chart.getAttribute("data-fault-step"), "6");
  assert.match((await chart.getAttribute("aria-label")) ?? "", /marked in red: its invalid action at step 6/);
  const top = await chart.evaluate((c: HTMLCanvasElement) => {
    const x = Math.floor((6.5 / 7) * c.width);
    return [...c.getContext("2d")!.getImageData(x, 2, 1, 1).data.slice(0, 3)];
  });
  assert.equal(top, [0xef, 0x44, 0x44], "a red marker tops the faulting step's column");
  assert.is(await seat(page, 1).locator("canvas").getAttribute("data-fault-step"), null);
  assert.equal(ctx.errors, []);
  await page.context().close();
});

test("clicking the chart moves the player to that step", async (ctx) => {
  const page = await open(ctx, ctx.result.replay, ctx.debug, "chart");
  const chart = seat(page, 0).locator("canvas");
  const box = (await chart.boundingBox())!;
  await chart.click({ position: { x: box.width * (3.5 / 7), y: box.height / 2 } });
  assert.is(await page.locator(".rla-frame").textContent(), "frame 4 / 6", "request 3 → frame 4");
  await page.context().close();
});

test("without debug information the player shows no panel", async (ctx) => {
  const page = await open(ctx, ctx.result.replay, null, "public");
  assert.is(await page.locator(".rla-debug").count(), 0);
  await page.context().close();
});

test.run();
