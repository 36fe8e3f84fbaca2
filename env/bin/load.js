/**
 * Loads one of the package's entry modules: the compiled `dist/<name>.js` when the package
 * has been built (the published package), else the TypeScript source through tsx (the workspace).
 */
import { existsSync } from "node:fs";

export async function loadEntry(name) {
  const built = new URL(`../dist/${name}.js`, import.meta.url);
  if (existsSync(built)) return import(built.href);
  let tsImport;
  try {
    ({ tsImport } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write(`rl-arena-env: dist/${name}.js is missing and tsx is not installed; build the package (npm run build) or install tsx\n`);
    process.exit(2);
  }
  // Scoped to our own sources, so user modules (agents) are loaded by plain Node.
  return tsImport(new URL(`../src/${name}.ts`, import.meta.url).href, import.meta.url);
}
