/**
 * /api/docs as people use it, against the built platform: a page of the site (header back to
 * the home page, favicon) whose "Try it" form calls the API from the browser with no console
 * error, and whose statement of the body limit is what the server enforces.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium } from "../helpers/browser.ts";
import { startBuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, relaxRateLimits } from "../helpers/http_user.ts";

const platform = await startBuiltPlatform({ env: { ROLE: "web" } });
await relaxRateLimits(platform.sql!);
const alice = await registerUser(platform.url, "alice");
const browser = await launchChromium();

test.after(async () => {
  await browser.close();
  await platform.stop();
});

test("the docs page links home, has a favicon, and Try it answers from the API with the browser's session", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addCookies([{ name: "session", value: alice.token, url: platform.url }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(platform.url + "/api/docs");
  assert.is(await page.locator("header a.brand[href='/']").count(), 1, "a link back to the site");
  const icon = await page.locator("link[rel=icon]").getAttribute("href");
  assert.is((await fetch(platform.url + icon)).status, 200, `the favicon ${icon} is served`);

  const op = page.locator("#getUsersMe");
  await op.locator("summary").click();
  await op.locator("form.try-it button").click();
  await op.locator(".try-result", { hasText: /^200 / }).waitFor();
  assert.match(await op.locator(".try-result").innerText(), /"username": "alice"/);

  const agent = page.locator("#getAgentsId");
  await agent.locator("summary").click();
  await agent.locator("input[name=id]").fill("00000000-0000-0000-0000-000000000000");
  await agent.locator("form.try-it button").click();
  await agent.locator(".try-result", { hasText: /^404 / }).waitFor();
  // The deliberate 404 is the only failed resource the browser reports.
  assert.equal(errors.filter((e) => !/status of 404/.test(e)), []);
  await context.close();
});

test("the body limit the docs state for JSON bodies is the one the API enforces", async () => {
  const doc = await (await fetch(platform.url + "/api/openapi.json")).json() as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
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
