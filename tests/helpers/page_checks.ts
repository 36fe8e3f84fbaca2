/**
 * What every page must pass in a real browser, whatever its content: it fits the viewport
 * (no horizontal scroll of the document), nothing a user can click or type into lies off
 * screen or is cut off by a box that hides its overflow, and axe-core finds no serious or
 * critical accessibility violation. Each check returns a list of problems, empty when the
 * page passes, so a test reports them all at once.
 */
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");

/** The two sizes people used: a phone held upright and a laptop screen. */
export const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1440, height: 900 },
] as const;

/** Horizontal overflow of the document and interactive elements outside the screen or clipped. */
export async function layoutProblems(page: Page): Promise<string[]> {
  // tsx compiles with keepNames: the named helper below calls a `__name` the page lacks.
  await page.evaluate("window.__name ??= (f) => f");
  return page.evaluate(() => {
    const problems: string[] = [];
    const vw = window.innerWidth;
    const doc = document.scrollingElement!;
    if (doc.scrollWidth > vw) problems.push(`the page is ${doc.scrollWidth} px wide in a ${vw} px viewport (horizontal scroll)`);
    const describe = (el: Element) => {
      const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
      return `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ""}${el.getAttribute("href") ? ` href="${el.getAttribute("href")}"` : ""}>${text ? ` "${text}"` : ""}`;
    };
    for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not rendered (hidden, closed <details>)
      if (el.closest("[hidden], details:not([open]) > :not(summary)")) continue;
      if ((el as HTMLInputElement).type === "file" && getComputedStyle(el).opacity === "0") continue; // drop zone's native input
      // The nearest ancestor that does not let overflow show decides: a scrolling box lets the
      // user reach the element by scrolling it; a hiding box cuts it off for good.
      let box: Element | null = el.parentElement;
      while (box && box !== document.body && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
      const style = box && box !== document.body ? getComputedStyle(box) : null;
      if (style && (style.overflowX === "auto" || style.overflowX === "scroll")) continue;
      if (style && (style.overflowX === "hidden" || style.overflowX === "clip")) {
        const b = box!.getBoundingClientRect();
        if (r.left < b.left - 1 || r.right > b.right + 1) problems.push(`${describe(el)} is clipped by its box (${Math.round(r.left)}–${Math.round(r.right)} px in ${Math.round(b.left)}–${Math.round(b.right)} px)`);
        continue;
      }
      if (r.left < -1 || r.right > vw + 1) problems.push(`${describe(el)} lies at x = ${Math.round(r.left)}–${Math.round(r.right)} px, outside the ${vw} px screen`);
    }
    return problems;
  });
}

/** axe-core's serious and critical violations, one line each with the elements concerned. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) {
    // Served as if from the site itself, so the page's CSP (scripts from 'self' only) lets it run
    // and the test never has to switch CSP off, which would hide the CSP errors it looks for.
    await page.route("**/__axe.min.js", (route) => route.fulfill({ path: AXE, contentType: "text/javascript" }));
    await page.addScriptTag({ url: "/__axe.min.js" });
  }
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.targets.join(", ")}`);
}
