import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../src/paths.ts";
import { sourceFiles } from "./helpers/source_files.ts";

// Issue 12: the web layer and the executor show their sub-areas as folders, and no module
// imports itself back through another (type-only imports count: they are a circle to a reader).

const sources = (dir: string) => sourceFiles(dir);

/** Relative imports of each file, resolved to absolute paths (static, dynamic and `export … from`). */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)].map((m) => resolve(dirname(file), m[1]!));
    graph.set(file, targets);
  }
  return graph;
}

/** Every import circle, each as the chain of files that closes it. */
function importCircles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const circles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") circles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return circles;
}

test("the circle finder sees a circle through a type-only import", () => {
  const graph = new Map([["/a.ts", ["/b.ts"]], ["/b.ts", ["/c.ts"]], ["/c.ts", ["/a.ts"]], ["/d.ts", ["/a.ts"]]]);
  assert.equal(importCircles(graph), [["/a.ts", "/b.ts", "/c.ts", "/a.ts"]]);
  const fromText = importGraph([join(PROJECT_ROOT, "src", "web", "deps.ts")]);
  assert.ok([...fromText.values()][0]!.some((f) => f.endsWith(join("http", "session_store.ts"))), "import type lines are read");
});

test("src/ and views/ have no import circle", () => {
  const files = [...sources(join(PROJECT_ROOT, "src")), ...sources(join(PROJECT_ROOT, "views"))];
  const circles = importCircles(importGraph(files)).map((c) => c.map((f) => relative(PROJECT_ROOT, f)).join(" -> "));
  assert.equal(circles, []);
});

const entries = (dir: string) => readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true });

test("src/web keeps its areas in folders: api, http, live, pages, actions", () => {
  const folders = entries("src/web").filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.equal(folders, ["actions", "api", "http", "live", "pages"]);
  // At the top only the composition (app, deps) and the shared read layer (queries).
  const files = entries("src/web").filter((e) => e.isFile()).map((e) => e.name).sort();
  assert.equal(files, ["app.ts", "deps.ts", "queries.ts"]);
});

test("src/executor keeps local and kubernetes in folders, without k8s_ prefixes", () => {
  const folders = entries("src/executor").filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.equal(folders, ["kubernetes", "local"]);
  const prefixed = sources(join(PROJECT_ROOT, "src", "executor")).filter((f) => /(^|\/)k8s_[^/]*$/.test(f));
  assert.equal(prefixed, []);
});

test("no file of src/web shares a name with a view (the API's files are named after their resource)", () => {
  const names = (files: string[]) => new Set(files.map((f) => f.split("/").pop()!.replace(/\.tsx?$/, "")));
  const views = names(sources(join(PROJECT_ROOT, "views")));
  const web = sources(join(PROJECT_ROOT, "src", "web")).filter((f) => !f.includes(join("src", "web", "api") + "/"));
  const clashes = [...names(web)].filter((n) => views.has(n));
  assert.equal(clashes, []);
});

test.run();
