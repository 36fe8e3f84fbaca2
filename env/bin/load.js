/**
 * Loads one of the package's entry modules: the compiled `dist/<name>.js` when it exists and is
 * newer than every source file (the published package, or after `node bin/build.js`), else the
 * TypeScript source through tsx (the workspace), so an old build never runs edited code.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export async function loadEntry(name) {
  const built = new URL(`../dist/${name}.js`, import.meta.url);
  const src = fileURLToPath(new URL("../src", import.meta.url));
  if (existsSync(built) && (!existsSync(src) || statSync(built).mtimeMs >= newest(src))) return import(built.href);
  let tsImport;
  try {
    ({ tsImport } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write(`rl-arena-env: dist/${name}.js is missing or older than src/, and tsx is not installed; run node bin/build.js or install tsx\n`);
    process.exit(2);
  }
  // Scoped to our own sources, so user modules (agents) are loaded by plain Node.
  return tsImport(new URL(`../src/${name}.ts`, import.meta.url).href, import.meta.url);
}

function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}
