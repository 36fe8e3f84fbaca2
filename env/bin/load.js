/**
 * Loads one of the package's entry modules for the bin scripts.
 *
 * - The published package ships dist/ and no src/ (see "files" in package.json): it always
 *   imports `dist/<name>.js`. It never compares file times (npm sets them at extraction) and
 *   never needs tsx.
 * - A source checkout (the workspace) imports `dist/<name>.js` when it is newer than every source
 *   file (after `node bin/build.js`), else the TypeScript source through tsx, so an old build
 *   never runs edited code.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export async function loadEntry(name) {
  const built = new URL(`../dist/${name}.js`, import.meta.url);
  const source = new URL(`../src/${name}.ts`, import.meta.url);
  if (!existsSync(source)) return import(built.href);
  if (existsSync(built) && statSync(built).mtimeMs >= newest(fileURLToPath(new URL("../src", import.meta.url)))) return import(built.href);
  let tsImport;
  try {
    ({ tsImport } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write(`rl-arena-env: this is a source checkout (src/${name}.ts exists) and dist/${name}.js is missing or older than src/, and tsx is not installed; run node bin/build.js or install tsx\n`);
    process.exit(2);
  }
  // Scoped to our own sources, so user modules (agents) are loaded by plain Node.
  return tsImport(source.href, import.meta.url);
}

function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}
