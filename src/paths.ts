import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project root, found by walking up to our package.json, so that paths are the same when
 * running from src/ (tsx) and from the esbuild bundle in dist/.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

export const SQL_DIR = join(PROJECT_ROOT, "sql");
export const STATIC_DIR = join(PROJECT_ROOT, "static");

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "rl-arena") return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the rl-arena package.json above ${start}`);
  }
}
