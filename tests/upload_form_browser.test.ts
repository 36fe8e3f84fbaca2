/**
 * The upload form in Debian's chromium at phone (390×844) and desktop (1440×900) size: the
 * Alpine component (CSP build, static/app.js) shows the chosen file's name and size, refuses an
 * oversized file before sending anything, shows progress while htmx sends the form and the
 * new version lands in the submissions table; a server refusal lands under the form. Every
 * page logs no console error: a CSP refusal (an eval the standard Alpine build would need)
 * shows up there. Without JavaScript the form is still a plain multipart post.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium, serveOnFreePort } from "./helpers/browser.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { VIEWPORTS } from "./helpers/page_checks.ts";
import { registerUser } from "./helpers/http_user.ts";
import { webApp } from "./helpers/web.ts";
import { makeZip } from "./fixtures/archives.ts";
import { JS_TRACKER } from "./fixtures/engine.ts";

const SCREENS = "test-artifacts/screens";
mkdirSync(SCREENS, { recursive: true });
/** The form's part of the page, for a person to look at (not in git). */
const shoot = (page: Page, name: string) => page.locator("#upload").screenshot({ path: `${SCREENS}/upload-${name}.png` });

/** The archive_max_bytes setting for this test: small, so an oversized file is small too. */
const MAX_BYTES = 256 * 1024;

const db = await createTestDatabase();
await db.sql`select set_setting('archive_max_bytes', ${db.sql.json(MAX_BYTES)})`;
const { app } = webApp(db.sql);
const { server, base } = await serveOnFreePort(app.fetch);
const owner = await registerUser(base, "uploader");
const created = await owner.api("/agents", { method: "POST", json: { environmentId: "pong", name: "Uploaded tracker" } });
assert.is(created.status, 201, await created.clone().text());
const agentId = ((await created.json()) as { agent: { id: string } }).agent.id;

/** A valid agent zip of about `padding` bytes (random, so deflate cannot shrink it). */
const agentZip = (padding: number) =>
  makeZip([{ name: "main.mjs", data: JS_TRACKER }, { name: "padding.bin", data: randomBytes(padding), method: 0 }]);
/** The size as the form words it (the server's formatBytes). */
const sizeText = (n: number) => (n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KB` : `${n} bytes`);
const submissionCount = async () => Number((await db.sql`select count(*)::int as n from submissions where agent_id = ${agentId}`)[0]!.n);

let browser: Browser;
test.before(async () => {
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  server.close();
  server.closeAllConnections();
  await db.drop();
});

interface Visit { context: BrowserContext; page: Page; problems: string[]; posts: () => number }

/** The environment page as the owner, with the upload form's Alpine component started. */
async function openUploadForm(viewport: { width: number; height: number }, javaScriptEnabled = true): Promise<Visit> {
  const context = await browser.newContext({ viewport, javaScriptEnabled });
  await context.addCookies([{ name: "session", value: owner.token, url: base }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" || /alpine/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  let posts = 0;
  page.on("request", (r) => { if (r.method() === "POST" && new URL(r.url()).pathname === "/submissions") posts++; });
  await page.goto(`${base}/environments/pong?agent=${agentId}`);
  if (javaScriptEnabled) await page.waitForFunction(() => Boolean((document.querySelector("#upload") as unknown as { _x_dataStack?: unknown })?._x_dataStack));
  return { context, page, problems, posts: () => posts };
}

/** Drags `file` over the drop zone (reporting whether it shows the drag-over state), then drops it. */
async function dropFile(page: Page, file: { name: string; bytes: Buffer }): Promise<boolean> {
  return page.evaluate(async ({ name, b64 }) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: "application/zip" }));
    const zone = document.querySelector(".dropzone")!;
    zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    await new Promise((r) => requestAnimationFrame(() => r(null))); // Alpine applies the class in a microtask
    const over = zone.classList.contains("over");
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    return over;
  }, { name: file.name, b64: file.bytes.toString("base64") });
}

/** Slows uploads to `bytesPerSecond` (Chromium's network emulation), so progress can be seen. */
async function throttleUploads(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

/** Watches the progress bar from inside the page: each value it shows while visible. */
async function recordProgress(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { __progress: number[] }).__progress = seen;
    const bar = document.querySelector("#upload progress") as HTMLProgressElement;
    // No named function here: tsx's keepNames would call a __name the page lacks.
    new MutationObserver(() => { if (!bar.hidden) seen.push(bar.value); }).observe(bar, { attributes: true });
    const timer = setInterval(() => { if (!bar.hidden) seen.push(bar.value); }, 20);
    setTimeout(() => clearInterval(timer), 30_000);
  });
  return () => page.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
}

const rows = (page: Page) => page.locator("#my-submissions tr[id^=submission-]");

for (const viewport of VIEWPORTS) {
  test(`${viewport.name} ${viewport.width}×${viewport.height}: choosing a file shows its name and size and sends nothing`, async () => {
    const { context, page, problems, posts } = await openUploadForm(viewport);
    const zip = agentZip(10_000);
    await page.setInputFiles("#f-file", { name: "chosen-agent.zip", mimeType: "application/zip", buffer: zip });
    await page.locator(".dropzone .chosen", { hasText: `chosen-agent.zip (${sizeText(zip.length)})` }).waitFor();
    assert.ok(await page.locator(".dropzone .chosen").isVisible());
    await page.waitForTimeout(300);
    assert.is(posts(), 0, "choosing a file does not upload it");
    assert.equal(problems, []);
    await context.close();
  });

  test(`${viewport.name}: an oversized file dropped on the zone is refused in the page with a message, and nothing is sent`, async () => {
    const { context, page, problems, posts } = await openUploadForm(viewport);
    const before = await submissionCount();
    const big = { name: "huge-agent.zip", bytes: agentZip(MAX_BYTES + 40_000) };
    assert.ok(await dropFile(page, big), "the zone shows the drag-over state");
    const note = page.locator("#upload p[role=status]");
    await note.waitFor();
    assert.is(await note.innerText(),
      `huge-agent.zip is ${sizeText(big.bytes.length)}; uploads may be at most ${sizeText(MAX_BYTES)} (setting archive_max_bytes). Nothing was sent.`);
    assert.ok((await note.getAttribute("class"))?.includes("form-error"));
    await shoot(page, `${viewport.name}-refused`);
    assert.ok(!(await page.locator(".dropzone").getAttribute("class"))?.includes("over"), "the drag-over state ends with the drop");
    assert.is(await page.locator(".dropzone .chosen").innerText(), `huge-agent.zip (${sizeText(big.bytes.length)})`);
    // The Upload button refuses it too.
    await page.click("#upload button[type=submit]");
    await page.waitForTimeout(300);
    assert.is(posts(), 0, "no upload request left the page");
    assert.is(await submissionCount(), before);
    assert.equal(problems, []);
    await context.close();
  });

  test(`${viewport.name}: an upload shows its progress, then the new version appears in the table`, async () => {
    const { context, page, problems, posts } = await openUploadForm(viewport);
    const before = await rows(page).count();
    const zip = agentZip(160_000);
    await throttleUploads(page, 80_000); // about two seconds for this file
    const progress = await recordProgress(page);
    const name = viewport.name === "phone" ? "dropped-agent.zip" : "clicked-agent.zip";
    if (viewport.name === "phone") {
      await dropFile(page, { name, bytes: zip }); // a drop sends at once
    } else {
      await page.setInputFiles("#f-file", { name, mimeType: "application/zip", buffer: zip });
      await page.click("#upload button[type=submit]");
    }
    await page.locator("#upload progress:not([hidden])").waitFor({ timeout: 5_000 });
    await shoot(page, `${viewport.name}-progress`);
    assert.ok(await page.locator("#upload button[type=submit]").isDisabled(), "no second upload while one is under way");
    await rows(page).nth(before).waitFor({ timeout: 20_000 });
    const note = page.locator("#upload p[role=status]");
    await note.waitFor();
    assert.is(await note.innerText(), `Uploaded ${name} (${sizeText(zip.length)}). Its build status below updates live.`);
    assert.ok(await page.locator("#upload progress").isHidden(), "the bar goes away when the answer is in");
    await shoot(page, `${viewport.name}-uploaded`);
    const seen = await progress();
    assert.ok(seen.some((v) => v > 0 && v < 1), `the bar moved through the upload (values seen: ${seen.join(", ")})`);
    const [latest] = await db.sql<{ id: string; version: number }[]>`
      select id, version from submissions where agent_id = ${agentId} order by version desc limit 1`;
    const row = page.locator(`#submission-${latest!.id}`);
    assert.is(await row.locator("td").first().innerText(), `v${latest!.version}`);
    assert.is(await rows(page).first().getAttribute("id"), `submission-${latest!.id}`, "the new version is the table's first row");
    assert.is(await page.locator("#my-submissions .empty-row").count(), 0);
    assert.is(await page.locator(".dropzone .chosen").innerText(), "", "the form is ready for the next file");
    assert.ok(await page.locator("#upload button[type=submit]").isEnabled());
    assert.is(posts(), 1);
    assert.equal(problems, []);
    await context.close();
  });
}

test("a file the server refuses shows the server's message under the form and adds no row", async () => {
  const { context, page, problems } = await openUploadForm(VIEWPORTS[0]);
  const before = await submissionCount();
  await page.setInputFiles("#f-file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an agent") });
  await page.click("#upload button[type=submit]");
  const refusal = page.locator("#upload-result .form-error");
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /notes\.txt/);
  assert.is(await submissionCount(), before);
  assert.ok(await page.locator("#upload progress").isHidden());
  // A 4xx answer is logged by chromium as a failed resource; nothing else may be.
  assert.equal(problems.filter((p) => !/status of 4\d\d/.test(p)), []);
  await context.close();
});

test("without JavaScript the form is a plain multipart post that lands on the agent's page", async () => {
  const { context, page } = await openUploadForm(VIEWPORTS[1], false);
  const before = await submissionCount();
  await page.setInputFiles("#f-file", { name: "plain-agent.zip", mimeType: "application/zip", buffer: agentZip(1_000) });
  await Promise.all([page.waitForURL(`${base}/agents/${agentId}#submissions`), page.click("#upload button[type=submit]")]);
  assert.is(await submissionCount(), before + 1);
  await context.close();
});

test.run();
