#!/usr/bin/env node
// Second half of `npm run build`: the type declarations (dist/**/*.d.ts, import paths rewritten
// from .ts to .js so they resolve next to the bundles). Needs typescript (a dev dependency).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = Date.now();
const require = createRequire(import.meta.url);
const tsc = join(require.resolve("typescript/package.json"), "..", "bin", "tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });

let rewritten = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".d.ts")) {
      const text = readFileSync(path, "utf8");
      const fixed = text.replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3");
      if (fixed !== text) {
        writeFileSync(path, fixed);
        rewritten++;
      }
    }
  }
};
walk(join(root, "dist"));

process.stderr.write(`rl-arena-env: declarations (${rewritten} files with rewritten imports) in ${Date.now() - started} ms\n`);
