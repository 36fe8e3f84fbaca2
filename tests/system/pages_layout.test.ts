/**
 * Every page of the built platform as people see it, in Debian's chromium at 390×844 (a phone)
 * and 1440×900 (a laptop), as a visitor, a signed-in user and an administrator: the page fits
 * the screen (no horizontal scroll), nothing interactive is off screen or cut off, axe-core
 * finds no serious or critical violation, and the browser logs no console error (CSP refusals
 * included). Screenshots go to test-artifacts/screens/ (not in git) for a person to look at.
 *
 * The data is what a newcomer meets: the demo agents playing (DEMO=true), a user with an agent
 * whose upload was built, matches with replays and logs.
 */
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium } from "../helpers/browser.ts";
import { startBuiltPlatform } from "../helpers/built_platform.ts";
import { makeAdmin, registerUser, relaxRateLimits, type HttpUser } from "../helpers/http_user.ts";
import { accessibilityProblems, layoutProblems, VIEWPORTS } from "../helpers/page_checks.ts";
import { waitFor } from "../helpers/processes.ts";
import { JS_TRACKER } from "../fixtures/engine.ts";

const SCREENS = "test-artifacts/screens";
mkdirSync(SCREENS, { recursive: true });

const platform = await startBuiltPlatform({ env: { DEMO: "true" } });
const sql = platform.sql!;
await relaxRateLimits(sql);
await sql`update environments set config = '{"max_steps": 300}' where id = 'pong'`;
const alice = await registerUser(platform.url, "alice");
const root = await registerUser(platform.url, "root");
await makeAdmin(sql, root.id);

// Alice's agent with a built upload, so her pages show submissions, a build log and matches.
const created = await alice.api("/agents", { method: "POST", json: { environmentId: "pong", name: "Alice's tracker" } });
assert.is(created.status, 201, await created.clone().text());
const agentId = ((await created.json()) as { agent: { id: string } }).agent.id;
const form = new FormData();
form.set("agentId", agentId);
form.set("file", new Blob([JS_TRACKER], { type: "text/javascript" }), "main.js");
const uploaded = await alice.api("/submissions", { method: "POST", body: form });
assert.is(uploaded.status, 201, await uploaded.clone().text());

const one = async (query: Promise<Array<Record<string, unknown>>>) => (await query)[0];
await waitFor(async () => Boolean(await one(sql`select 1 from matches where status = 'completed' and (player0_agent_id = ${agentId} or player1_agent_id = ${agentId})`)),
  180_000, () => `a completed match of alice's agent; platform output:\n${platform.output().slice(-3000)}`);
await waitFor(async () => Boolean(await one(sql`select 1 from matches where status = 'completed' and environment_id = 'connect-four'`)), 120_000, () => "a completed connect-four match");
const aliceMatch = String((await one(sql`select id from matches where status = 'completed' and (player0_agent_id = ${agentId} or player1_agent_id = ${agentId}) order by ended_at limit 1`))!.id);
const fourMatch = String((await one(sql`select id from matches where status = 'completed' and environment_id = 'connect-four' order by ended_at limit 1`))!.id);

type Role = "visitor" | "user" | "admin";
const PAGES: Record<Role, string[]> = {
  visitor: ["/", "/environments/pong", "/environments/connect-four", "/environments/tic-tac-toe", "/matches", `/matches/${aliceMatch}`,
    `/matches/${fourMatch}`, `/agents/${agentId}`, "/users/alice", "/login", "/signup", "/api/docs", "/no-such-page"],
  user: ["/", "/environments/pong", "/profile", `/agents/${agentId}`, `/matches/${aliceMatch}`, "/matches", "/users/alice"],
  admin: ["/admin", "/admin/system", "/", `/matches/${aliceMatch}`],
};
const USERS: Record<Role, HttpUser | null> = { visitor: null, user: alice, admin: root };

let browser: Browser;
test.before(async () => {
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  await platform.stop();
});

async function contextFor(role: Role, viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  const user = USERS[role];
  if (user) await context.addCookies([{ name: "session", value: user.token, url: platform.url }]);
  return context;
}

/** Loads `path` and lets its scripts settle (htmx, the SSE stream, the replay player). */
async function visit(page: Page, path: string): Promise<void> {
  await page.goto(platform.url + path, { waitUntil: "load" });
  if (/^\/matches\/[0-9a-f-]{36}$/.test(path)) await page.locator("#replay .rla-player").waitFor({ timeout: 15_000 });
  if (path === "/api/docs") await page.locator("#swagger-ui .opblock").first().waitFor({ timeout: 15_000 }); // Swagger UI renders after fetching the document
  await page.waitForTimeout(300);
}

const slug = (path: string) => path.replace(/^\//, "").replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "") || "home";

for (const viewport of VIEWPORTS) {
  for (const role of Object.keys(PAGES) as Role[]) {
    test(`${role}, ${viewport.name} ${viewport.width}×${viewport.height}: every page fits, is reachable, accessible and logs no console error`, async () => {
      const context = await contextFor(role, viewport);
      const page = await context.newPage();
      let current = "";
      const problems: string[] = [];
      page.on("console", (m) => {
        // The 404 page is a 404 on purpose; the browser logs that status as an error.
        if (m.type() === "error" && !(current === "/no-such-page" && /status of 404/.test(m.text()))) problems.push(`${current}: console error: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`${current}: script error: ${e.message}`));
      for (const path of PAGES[role]) {
        current = path;
        await visit(page, path);
        await page.screenshot({ path: `${SCREENS}/${role}-${viewport.name}-${slug(path)}.png`, fullPage: true });
        for (const p of await layoutProblems(page)) problems.push(`${path}: ${p}`);
        // Folded content (build logs, reports, "Create an agent") must fit too once unfolded.
        if (await page.evaluate(() => { const closed = [...document.querySelectorAll("details:not([open])")]; closed.forEach((d) => d.setAttribute("open", "")); return closed.length; })) {
          for (const p of await layoutProblems(page)) problems.push(`${path} (details open): ${p}`);
        }
        for (const p of await accessibilityProblems(page)) problems.push(`${path}: ${p}`);
      }
      await context.close();
      assert.equal(problems, [], `${problems.length} problems:\n${problems.join("\n")}`);
    });
  }
}

test("the phone header keeps the user's name and Log out on screen", async () => {
  const context = await contextFor("user", VIEWPORTS[0]);
  const page = await context.newPage();
  await visit(page, "/");
  for (const selector of ["header a[href='/profile']", "#logout"]) {
    const box = (await page.locator(selector).boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= VIEWPORTS[0].width, `${selector} at x = ${box.x}–${box.x + box.width}`);
  }
  await context.close();
});

test("the live system page counts its own stream among the live connections", async () => {
  const context = await contextFor("admin", VIEWPORTS[1]);
  const page = await context.newPage();
  await visit(page, "/admin/system");
  // The panel is re-sent every few seconds by the stream this very page opened.
  await page.locator("[data-stat=sse-subscribers] b", { hasText: /^[1-9]/ }).waitFor({ timeout: 10_000 });
  await context.close();
});

test("match headers show the game's score (points in pong, 1 : 0 in board games), not reward sums", async () => {
  const context = await contextFor("visitor", VIEWPORTS[1]);
  const page = await context.newPage();
  await visit(page, `/matches/${aliceMatch}`);
  assert.match(await page.locator("#match-score").innerText(), /^\d+ : \d+$/);
  await visit(page, `/matches/${fourMatch}`);
  assert.match(await page.locator("#match-score").innerText(), /^(1 : 0|0 : 1|½ : ½)$/);
  await context.close();
});

test("the agent page's head-to-head table updates live with the next match", async () => {
  const context = await contextFor("user", VIEWPORTS[1]);
  const page = await context.newPage();
  await visit(page, `/agents/${agentId}`);
  const games = () => page.locator("#agent-h2h td.num:last-child").allInnerTexts().then((t) => t.reduce((n, x) => n + Number(x), 0));
  const before = await games();
  await page.evaluate(() => { (window as unknown as { __marker: number }).__marker = 1; });
  await page.waitForFunction((n) => [...document.querySelectorAll("#agent-h2h td.num:last-child")].reduce((s, td) => s + Number(td.textContent), 0) > n,
    before, { timeout: 120_000 });
  assert.is(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 1, "updated without a reload");
  assert.ok((await games()) > before);
  await context.close();
});

test("the sign-up form re-rendered with errors logs nothing but its 422", async () => {
  const context = await contextFor("visitor", VIEWPORTS[0]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await visit(page, "/signup");
  assert.match(await page.locator("#f-username").evaluate((el) => el.parentElement!.textContent!), /3–32 letters/, "the hint states the real limit");
  await page.fill("#f-username", "bob");
  await page.fill("#f-email", "bob@example.test");
  await page.fill("#f-password", "short");
  await page.click("#signup-submit");
  await page.locator("#e-password").waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SCREENS}/visitor-phone-signup-errors.png`, fullPage: true });
  // A 422 is the answer's status, which chromium reports as a failed resource: that one stays.
  assert.equal(errors.filter((e) => !/status of 422/.test(e)), []);
  assert.equal(await layoutProblems(page), []);
  await context.close();
});

test.run();
