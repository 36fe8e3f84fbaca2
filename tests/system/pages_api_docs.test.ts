/**
 * /api/docs as people use it, against the built platform in Chromium: Swagger UI (served from
 * node_modules, no CDN) inside the site's header and CSP renders every operation of
 * /api/openapi.json; "Try it out" → Execute answers from the API with the browser's session,
 * and with a Bearer token given to "Authorize"; the page passes the layout and accessibility
 * checks at both sizes and logs no console error. Also: the body limit the document states is
 * the one the server enforces.
 */
import type { Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium } from "../helpers/browser.ts";
import { startBuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, relaxRateLimits } from "../helpers/http_user.ts";
import { accessibilityProblems, layoutProblems, VIEWPORTS } from "../helpers/page_checks.ts";

const platform = await startBuiltPlatform({ env: { ROLE: "web" } });
await relaxRateLimits(platform.sql!);
const alice = await registerUser(platform.url, "alice");
const browser = await launchChromium();
const doc = await (await fetch(platform.url + "/api/openapi.json")).json() as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { description: string }> }>> };
const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));

test.after(async () => {
  await browser.close();
  await platform.stop();
});

/** Opens /api/docs in a fresh context (signed in with `session` when given), collecting console errors. */
async function openDocs(viewport: { width: number; height: number }, session?: string): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport });
  if (session) await context.addCookies([{ name: "session", value: session, url: platform.url }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(platform.url + "/api/docs");
  await page.locator("#swagger-ui .opblock").first().waitFor({ timeout: 20_000 });
  return { page, errors, close: () => context.close() };
}

/** Expands one operation (by operationId), presses Execute and returns the status and body shown. */
async function execute(page: Page, operationId: string): Promise<{ status: string; body: string }> {
  const op = page.locator(`.opblock[id$="-${operationId}"]`);
  await op.locator(".opblock-summary-control").click();
  await op.locator("button.execute").click();
  const response = op.locator(".live-responses-table .response");
  await response.first().waitFor({ timeout: 10_000 });
  return { status: (await response.locator(".response-col_status").innerText()).trim(), body: await response.locator(".response-col_description").innerText() };
}

test("Swagger UI renders every operation of the document, inside the site's header, with the favicon", async () => {
  const { page, errors, close } = await openDocs(VIEWPORTS[1]);
  assert.ok(operations.length > 20, `the document has its operations (${operations.length})`);
  const shown = await page.locator("#swagger-ui .opblock").evaluateAll((els) => els.map((e) => e.id));
  assert.equal(shown.map((id) => id.replace(/^operations-[^-]+-/, "")).sort(), [...operations].sort());
  assert.is(await page.locator("header a.brand[href='/']").count(), 1, "a link back to the site");
  const icon = await page.locator("link[rel=icon]").getAttribute("href");
  assert.is((await fetch(platform.url + icon)).status, 200, `the favicon ${icon} is served`);
  const scripts = await page.locator("script[src]").evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).src));
  for (const src of scripts) assert.ok(src.startsWith(platform.url + "/static/"), `scripts come from this site: ${src}`);
  assert.equal(errors, []);
  await close();
});

test("Try it out → Execute answers 200 from the API, with the browser's session where it is needed", async () => {
  const { page, errors, close } = await openDocs(VIEWPORTS[0], alice.token);
  const environments = await execute(page, "getEnvironments");
  assert.is(environments.status, "200");
  assert.match(environments.body, /"pong"/);
  const me = await execute(page, "getUsersMe");
  assert.is(me.status, "200", "the session cookie went with the call");
  assert.match(me.body, /"username": "alice"/);
  assert.equal(errors, []);
  await close();
});

test("Authorize takes a Bearer token that the calls then carry", async () => {
  const { page, errors, close } = await openDocs(VIEWPORTS[1]);
  await page.locator("button.authorize").first().click();
  const bearer = page.locator(".dialog-ux .modal-ux .auth-container").filter({ hasText: "bearer" });
  await bearer.locator("input").fill(alice.token);
  await bearer.locator("button.authorize").click();
  await bearer.locator("button.btn-done").click();
  const me = await execute(page, "getUsersMe");
  assert.is(me.status, "200");
  assert.match(me.body, /"username": "alice"/);
  assert.equal(errors, []);
  await close();
});

for (const viewport of VIEWPORTS) {
  test(`${viewport.name} ${viewport.width}×${viewport.height}: the docs fit the screen and pass axe with an operation open`, async () => {
    const { page, errors, close } = await openDocs(viewport, alice.token);
    await execute(page, "getEnvironments");
    const problems = [...await layoutProblems(page), ...await accessibilityProblems(page)];
    await page.screenshot({ path: `test-artifacts/screens/api-docs-${viewport.name}.png`, fullPage: true });
    await page.locator(".opblock-get .responses-wrapper").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: `test-artifacts/screens/api-docs-${viewport.name}-response.png` });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `test-artifacts/screens/api-docs-${viewport.name}-top.png` });
    assert.equal(problems, [], problems.join("\n"));
    assert.equal(errors, []);
    await close();
  });
}

test("the body limit the docs state for JSON bodies is the one the API enforces", async () => {
  const stated = doc.paths["/auth/register"].post.responses["413"].description;
  const kb = Number(/other bodies: (\d+) KB/.exec(stated)?.[1]);
  assert.ok(kb > 0, `the docs state a size: ${stated}`);
  const post = (bytes: number) => fetch(`${platform.url}/api/v1/auth/register`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "bob", email: "b@example.test", password: "x".repeat(bytes - 57) }),
  });
  assert.is((await post(kb * 1024 + 1)).status, 413, `a body of ${kb} KB + 1 byte is refused`);
  assert.is.not((await post(kb * 1024 - 100)).status, 413, `a body under ${kb} KB is read`);
});

test.run();
