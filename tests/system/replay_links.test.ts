/**
 * Replays on the built platform (`node dist/main.js`) in Chromium: a finished demo match is
 * stored as a compact replay, the match page's player downloads that compact form and
 * re-simulates it in the page, `/matches/:id#step=N` opens the player paused at frame N, and
 * "copy link to this step" copies such a link. An admin (as an agent's owner) gets each seat's
 * log and step timeline in the player; a visitor does not. `rl-arena-env reproduce <match id>`
 * fetches the match from the platform and replays a seat identically with the same built-in.
 */
import { spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadReplay, type Replay } from "rl-arena-env";
import { CHROME, launchChromium } from "../helpers/browser.ts";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { makeAdmin, registerUser } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

let platform: BuiltPlatform;
let browser: Browser;
let matchId = "";
let replay: Replay;

test.before(async () => {
  if (!existsSync(CHROME)) throw new Error(`Chromium not found at ${CHROME}; install it (apt-get install -y chromium) or set CHROME_PATH`);
  platform = await startBuiltPlatform({ env: { DEMO: "true", MATCHMAKING_INTERVAL_S: "1", MATCH_COOLDOWN_S: "0" } });
  await waitFor(async () => {
    const [row] = await platform.sql!`select m.id from matches m join replays r on r.match_id = m.id where m.status = 'completed' and m.environment_id = 'pong' and m.total_steps > 60 limit 1`;
    matchId = row?.id ?? "";
    return matchId !== "";
  }, 120_000, () => `a completed demo pong match; platform output:\n${platform.output().slice(-3000)}`);
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await platform?.stop();
});

test("the finished match is stored compact and rebuilds to the frames the JSON download gives", async () => {
  const [{ data }] = await platform.sql!`select data from replays where match_id = ${matchId}`;
  const stored = JSON.parse(gunzipSync(data).toString("utf8"));
  assert.is(stored.schema_version, 2, "compact");
  assert.is(stored.actions.length, stored.result.total_steps);
  replay = await (await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=json`)).json() as Replay;
  assert.equal(loadReplay(stored), replay);
});

test("/matches/:id#step=N opens the player paused at frame N, drawn from the compact replay", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(e.message));
  const last = replay.steps.length - 1;
  const step = Math.min(40, last - 1);
  await page.goto(`${platform.url}/matches/${matchId}#step=${step}`);
  const counter = page.locator("#replay .rla-frame");
  await counter.waitFor({ timeout: 15_000 });
  assert.is(await counter.textContent(), `frame ${step} / ${last}`);
  await page.waitForTimeout(300);
  assert.is(await counter.textContent(), `frame ${step} / ${last}`, "paused");
  assert.ok(requests.some((u) => u.endsWith(`/api/v1/matches/${matchId}/replay?format=compact`)), "the player downloads the compact replay");
  const ball = (replay.steps[step]!.render as { ball: { x: number; y: number } }).ball;
  const pixel = await page.evaluate(([x, y]) => {
    const c = document.querySelector("#replay canvas") as HTMLCanvasElement;
    return Array.from(c.getContext("2d")!.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data.slice(0, 3));
  }, [ball.x, ball.y]);
  assert.equal(pixel, [255, 255, 255], `the ball of frame ${step}`);
  assert.equal(problems, []);
  await context.close();
});

test("'copy link to this step' copies /matches/:id#step=N and that link opens there", async () => {
  const context = await browser.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: platform.url });
  const page = await context.newPage();
  await page.goto(`${platform.url}/matches/${matchId}`);
  const player = page.locator("#replay .rla-player");
  await player.waitFor({ timeout: 15_000 });
  await player.locator("input[type=range]").fill("25");
  await player.locator("button", { hasText: "Copy link to this step" }).click();
  const link = `${platform.url}/matches/${matchId}#step=25`;
  await player.locator(".rla-link-status", { hasText: "copied" }).waitFor();
  assert.is(await page.evaluate(() => navigator.clipboard.readText()), link);
  assert.is(page.url(), link);
  const again = await context.newPage();
  await again.goto(link);
  await again.locator("#replay .rla-frame", { hasText: /^frame 25 \// }).waitFor({ timeout: 15_000 });
  await context.close();
});

test("rl-arena-env reproduce <match id> --platform: the seat's own built-in is identical, another one differs", async () => {
  const seats = await platform.sql!`select s.entry from matches m join submissions s on s.id in (m.player0_submission_id, m.player1_submission_id)
    where m.id = ${matchId} order by (s.id = m.player1_submission_id)`;
  assert.is(seats.length, 2);
  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "env/bin/rl-arena-env.js", "reproduce", matchId, ...args],
    { encoding: "utf8", timeout: 120_000, env: { ...process.env, RL_ARENA_URL: platform.url } });
  const same = cli("--seat", "0", `builtin:${seats[0]!.entry}`);
  assert.is(same.status, 0, same.stderr + same.stdout);
  assert.match(same.stdout, new RegExp(`^identical: your agent gave the recorded answer at all \\d+ steps it was asked \\(${replay.steps.length - 1} steps, seat 0\\)`));
  const other = seats[0]!.entry === "pong-random" ? "pong-tracker" : "pong-random";
  const differs = cli("--seat", "0", `builtin:${other}`, "--platform", platform.url);
  assert.is(differs.status, 3, differs.stderr + differs.stdout);
  assert.match(differs.stdout, /^differs at step \d+: recorded action \d, your agent answers \d\n$/, `${differs.stdout} (seat 0 plays ${seats[0]!.entry}, reproduced with ${other})`);
});

test("an admin's player shows each seat's step timeline and log; a visitor's shows none", async () => {
  const admin = await registerUser(platform.url, "root");
  await makeAdmin(platform.sql!, admin.id);
  const context = await browser.newContext();
  await context.addCookies([{ name: "session", value: admin.token, url: platform.url }]);
  const page = await context.newPage();
  await page.goto(`${platform.url}/matches/${matchId}#step=10`);
  const seats = page.locator("#replay .rla-seat");
  await seats.first().waitFor({ timeout: 15_000 });
  assert.is(await seats.count(), 2);
  for (const seat of [0, 1]) {
    const timing = (await page.locator(`#replay .rla-seat[data-seat="${seat}"] .rla-timing`).textContent()) ?? "";
    assert.match(timing, /^step 9 → frame 10: answered in [\d.]+ ms \(limit [\d.]+ (ms|s)\) · bank [\d.]+ s of [\d.]+ s left$/, `seat ${seat}: ${timing}`);
    assert.is(await page.locator(`#replay .rla-seat[data-seat="${seat}"] canvas.rla-chart`).count(), 1);
  }
  // The last frame shows the seat's log from the end of the step before it to the end (the end message, notes).
  const last = replay.steps.length - 1;
  await page.locator("#replay input[type=range]").fill(String(last));
  const { logs } = await (await admin.api(`/matches/${matchId}/logs`)).json() as { logs: Array<{ seat: number; log: string; timing: { lines: number[] } }> };
  for (const l of logs) {
    const lines = l.log.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const tail = lines.slice(l.timing.lines[last - 2]);
    const shown = (await page.locator(`#replay .rla-seat[data-seat="${l.seat}"] .rla-log`).textContent()) ?? "";
    assert.is(shown, tail.length ? tail.join("\n") : "(no stderr at this step)", `seat ${l.seat}`);
  }
  await context.close();

  const visitor = await browser.newPage();
  await visitor.goto(`${platform.url}/matches/${matchId}`);
  await visitor.locator("#replay .rla-player").waitFor({ timeout: 15_000 });
  assert.is(await visitor.locator("#replay .rla-debug").count(), 0);
  await visitor.close();
});

test.run();
