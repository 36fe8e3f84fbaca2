/**
 * `npm run bench` runs every benchmark in bench/ one after another (never in parallel: they
 * would measure each other); `npm run bench -- pong` runs those whose name contains "pong".
 * Each benchmark prints its own figures; bench/README.md keeps the latest ones.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/paths.ts";

const filters = process.argv.slice(2);
const dir = join(PROJECT_ROOT, "bench");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n### ${file}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, file)], { stdio: "inherit", cwd: PROJECT_ROOT });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
