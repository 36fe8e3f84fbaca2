/**
 * Every admin action in a real browser against the built platform: disable/enable a user and
 * an agent, save a setting (and a refused value), cancel a match and re-run it. Each shows its
 * result in place without a reload (the page keeps a marker set before the click), with a
 * visible message; the destructive ones ask first, and a dismissed question changes nothing.
 * ROLE=web: no worker picks up the matches, so a pending match stays pending to be cancelled.
 */
import type { Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium } from "../helpers/browser.ts";
import { startBuiltPlatform } from "../helpers/built_platform.ts";
import { makeAdmin, registerUser, relaxRateLimits } from "../helpers/http_user.ts";
import { insertMatch, makeAgent } from "../helpers/sql_fixtures.ts";

const platform = await startBuiltPlatform({ env: { ROLE: "web" } });
const sql = platform.sql!;
await relaxRateLimits(sql);
const root = await registerUser(platform.url, "root");
await makeAdmin(sql, root.id);
const alice = await registerUser(platform.url, "alice");
const bob = await registerUser(platform.url, "bob");
const tracker = await makeAgent(sql, alice.id, { name: "Tracker" });
const other = await makeAgent(sql, bob.id, { name: "Other" });
const matchId = await insertMatch(sql, tracker, other);

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
await context.addCookies([{ name: "session", value: root.token, url: platform.url }]);
const page: Page = await context.newPage();
const consoleErrors: string[] = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(e.message));
const dialogs: string[] = [];
let answer: "accept" | "dismiss" = "accept";
page.on("dialog", (d) => { dialogs.push(d.message()); void (answer === "accept" ? d.accept() : d.dismiss()); });

await page.goto(platform.url + "/admin");
await page.evaluate(() => { (window as unknown as { __marker: number }).__marker = 7; });
const notReloaded = async () => assert.is(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 7, "the page did not reload");

test.after(async () => {
  await browser.close();
  await platform.stop();
});

test("disabling a user asks first; dismissed, nothing changes", async () => {
  answer = "dismiss";
  await page.locator(`#user-${alice.id} button`, { hasText: "Disable" }).click();
  await page.waitForTimeout(500);
  assert.match(dialogs.at(-1)!, /Disable alice\?/);
  const [row] = await sql`select disabled from users where id = ${alice.id}`;
  assert.is(row.disabled, false);
  answer = "accept";
});

test("disabling a user shows the row disabled, with Enable and a message, without a reload", async () => {
  await page.locator(`#user-${alice.id} button`, { hasText: "Disable" }).click();
  await page.locator(`#user-${alice.id} [role=status]`, { hasText: "Disabled" }).waitFor();
  await page.locator(`#user-${alice.id} button`, { hasText: "Enable" }).waitFor();
  const [row] = await sql`select disabled from users where id = ${alice.id}`;
  assert.is(row.disabled, true);
  await notReloaded();
});

test("enabling the user again shows Enabled", async () => {
  await page.locator(`#user-${alice.id} button`, { hasText: "Enable" }).click();
  await page.locator(`#user-${alice.id} [role=status]`, { hasText: "Enabled" }).waitFor();
  await page.locator(`#user-${alice.id} button`, { hasText: "Disable" }).waitFor();
  assert.is((await sql`select disabled from users where id = ${alice.id}`)[0].disabled, false);
  await notReloaded();
});

test("disabling and enabling an agent show their result in its row", async () => {
  const before = dialogs.length;
  await page.locator(`#agent-${tracker} button`, { hasText: "Disable" }).click();
  await page.locator(`#agent-${tracker} [role=status]`, { hasText: "Disabled" }).waitFor();
  assert.match(dialogs.slice(before).join("\n"), /Disable the agent Tracker\?/);
  assert.is((await sql`select disabled from agents where id = ${tracker}`)[0].disabled, true);
  await page.locator(`#agent-${tracker} button`, { hasText: "Enable" }).click();
  await page.locator(`#agent-${tracker} [role=status]`, { hasText: "Enabled" }).waitFor();
  assert.is((await sql`select disabled from agents where id = ${tracker}`)[0].disabled, false);
  await notReloaded();
});

test("saving a setting says Saved; a value that is not JSON is refused beside the field", async () => {
  const row = page.locator("#setting-match_cooldown_s");
  await row.locator("input[name=value]").fill("42");
  await row.locator("button", { hasText: "Save" }).click();
  await page.locator("#setting-match_cooldown_s [role=status]", { hasText: "Saved" }).waitFor();
  assert.is((await sql`select value::text from settings where key = 'match_cooldown_s'`)[0].value, "42");
  await page.locator("#setting-match_cooldown_s input[name=value]").fill("forty");
  await page.locator("#setting-match_cooldown_s button", { hasText: "Save" }).click();
  await page.locator("#setting-match_cooldown_s [role=alert]", { hasText: /must be JSON/ }).waitFor();
  assert.is((await sql`select value::text from settings where key = 'match_cooldown_s'`)[0].value, "42");
  assert.is(await page.locator("#settings tr[id^=setting-]").count() > 1, true, "the table keeps its rows");
  await notReloaded();
});

test("cancelling a pending match asks, then shows it failed with Re-run; Re-run asks and links the new match", async () => {
  await page.reload(); // the match was inserted before the page loaded, but be sure it is listed
  await page.evaluate(() => { (window as unknown as { __marker: number }).__marker = 7; });
  const before = dialogs.length;
  await page.locator(`#match-${matchId} button`, { hasText: "Cancel" }).click();
  await page.locator(`#match-${matchId} [role=status]`, { hasText: "Cancelled" }).waitFor();
  assert.match(dialogs.slice(before).join("\n"), /Cancel the match Tracker vs Other\?/);
  assert.is((await sql`select status from matches where id = ${matchId}`)[0].status, "failed");
  await page.locator(`#match-${matchId} button`, { hasText: "Re-run" }).click();
  await page.locator(`#match-${matchId} [role=status]`, { hasText: "Re-run queued" }).waitFor();
  const [rerun] = await sql`select id, status from matches where rerun_of = ${matchId}`;
  assert.ok(rerun, "a new match was created");
  assert.is(await page.locator(`#match-${matchId} a[href="/matches/${rerun.id}"]`).count(), 1);
  assert.match(dialogs.slice(before).join("\n"), /Re-run Tracker vs Other\?/);
  await notReloaded();
});

test("report titles are their titles, not their header lines", async () => {
  const titles = await page.locator("#reports summary").allInnerTexts();
  assert.ok(titles.length > 0, "the reports are listed");
  for (const t of titles) assert.not.match(t, /title:|purpose:/, t);
  assert.ok(titles.some((t) => /^Builds \(\d+ rows?\)$/.test(t)), titles.join("\n"));
});

test("no console error but the refused setting's 400", () => {
  assert.equal(consoleErrors.filter((e) => !/status of 400/.test(e)), []);
});

test.run();
