/**
 * "Is v2 better than v1?" (issue 13) on the built platform (`node dist/main.js`), in Chromium:
 * the owner picks the older version on the agent page and starts the test; the test page then
 * follows the seat-swapped pairs the worker plays through the bwrap sandbox, live over SSE (no
 * reload), to a verdict, with the games as links. Capped at 2 pairs (version_test_max_pairs) so
 * it ends within the test's time; the page passes the layout and axe checks at both sizes.
 */
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHROME, launchChromium } from "../helpers/browser.ts";
import type { BuiltPlatform } from "../helpers/built_platform.ts";
import type { HttpUser } from "../helpers/http_user.ts";
import { accessibilityProblems, layoutProblems, VIEWPORTS } from "../helpers/page_checks.ts";
import { buildTracker, startQuietPlatform } from "../helpers/quiet_platform.ts";
import { waitFor } from "../helpers/processes.ts";

let platform: BuiltPlatform;
let browser: Browser;
let alice: HttpUser;

test.before(async () => {
  // uvu reports a failing hook without its error: print it, the platform output is in it
  try { await setup(); } catch (e) { console.error("setup failed:", e); throw e; }
});

async function setup() {
  if (!existsSync(CHROME)) throw new Error(`Chromium not found at ${CHROME}; install it (apt-get install -y chromium) or set CHROME_PATH`);
  // No ranked play: the agent's versions only meet in the test's pairs.
  ({ platform, users: [alice] } = await startQuietPlatform(["alice"], { placement_on_activation: "0", version_test_max_pairs: "2" }));
  browser = await launchChromium();
}

test.after(async () => {
  await browser?.close();
  await platform?.stop();
});

test("the owner starts the test on the agent page and its page follows the pairs live to a verdict", async () => {
  const { agentId } = await buildTracker(platform, alice, { name: "versions" });
  await buildTracker(platform, alice, { agentId }); // v2 becomes active, v1 stays built

  const context = await browser.newContext();
  await context.addCookies([{ name: "session", value: alice.token, url: platform.url }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${platform.url}/agents/${agentId}`);
  assert.is(await page.locator("#version-test-baseline option").textContent(), "v1");
  await Promise.all([page.waitForURL(/\/version-tests\/[0-9a-f-]{36}$/), page.getByRole("button", { name: "Test it" }).click()]);
  assert.is(await page.locator("h1").textContent(), "Is v2 better than v1?");
  const verdict = page.locator("#version-test-verdict");
  assert.is(await verdict.getAttribute("data-status"), "running");
  // The worker plays the pairs; the page hears each step over SSE and swaps its main part in.
  await waitFor(async () => (await verdict.getAttribute("data-status")) !== "running", 150_000,
    () => `a verdict on the page\n${platform.output().slice(-2000)}`);
  const status = await verdict.getAttribute("data-status");
  assert.ok(["better", "not_better", "inconclusive"].includes(status!), String(status));
  const id = page.url().split("/").pop()!;
  const api = ((await (await fetch(`${platform.url}/api/v1/version-tests/${id}`)).json()) as any).versionTest;
  assert.is(api.status, status);
  assert.ok(api.games.length >= 2 && api.games.every((g: any) => g.status === "completed"), JSON.stringify(api.games));
  assert.is(await page.locator("#version-test-pairs").textContent(), String(api.pairs));
  assert.is(await page.locator("#version-test-main a[href^='/matches/']").count(), api.games.length);
  for (const v of VIEWPORTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    assert.equal(await layoutProblems(page), [], `layout at ${v.name}`);
    assert.equal(await accessibilityProblems(page), [], `axe at ${v.name}`);
  }
  assert.equal(errors, []);
  await context.close();
});

test.run();
