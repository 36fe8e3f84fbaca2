/**
 * The admin system page in a real browser (Debian chromium via playwright-core): its numbers
 * change live over SSE, without a reload, when the database changes.
 */
import { mkdirSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium, serveOnFreePort } from "./helpers/browser.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { signedIn, webApp } from "./helpers/web.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

mkdirSync("test-artifacts", { recursive: true });

test("the system page's numbers update live, without a reload", async () => {
  const db = await createTestDatabase();
  const { app, deps } = webApp(db.sql, { sandboxStatus: () => ({ enabled: true, detail: "bubblewrap" }) });
  const admin = await signedIn(deps, await makeUser(deps.sql, { name: "browser_admin", admin: true }));
  const { server, base } = await serveOnFreePort(app.fetch);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    await context.addCookies([{ name: "session", value: admin.cookie.slice("session=".length), url: base }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    const trace: string[] = [];
    page.on("console", (m) => trace.push(`console ${m.type()}: ${m.text()}`));
    page.on("request", (r) => trace.push(`request ${r.method()} ${r.url()}`));
    page.on("requestfailed", (r) => trace.push(`failed ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => trace.push(`response ${r.status()} ${r.url()}`));
    await page.goto(`${base}/admin/system`);
    await page.waitForFunction(() => (window as unknown as { htmx?: { version?: string } }).htmx?.version?.startsWith("4"));
    assert.is(await page.locator('[data-stat="builds-waiting"] b').textContent(), "0");
    const firstTaken = await page.locator(".system-panel").getAttribute("data-taken-at");
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // A build starts waiting in the database; nothing is done in the page.
    const [user] = await db.sql`select id from users where username = 'browser_admin'`;
    const [agent] = await db.sql`select * from create_agent(${user!.id}, 'pong', 'waiting-bot', '')`;
    await db.sql`select create_submission(${user!.id}, ${agent!.id}, 'node', 'main.js', ${Buffer.from("x")}, 'main.js')`;

    await page.locator('[data-stat="builds-waiting"] b', { hasText: "1" }).waitFor({ timeout: 15_000 }).catch(async (e) => {
      throw new Error(`${e.message}\npanel taken at ${await page.locator(".system-panel").getAttribute("data-taken-at")} (first ${firstTaken})\n${trace.join("\n")}`);
    });
    assert.ok(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), "the page was not reloaded");
    assert.is.not(await page.locator(".system-panel").getAttribute("data-taken-at"), firstTaken);
    assert.ok(await page.locator("#queue-health tr[data-queue='submission.build']").isVisible());
    await page.screenshot({ path: "test-artifacts/admin-system.png", fullPage: true });
    assert.equal(problems, []);
  } finally {
    await browser.close();
    server.close();
    server.closeAllConnections();
    await db.drop();
  }
});

test.run();
