#!/usr/bin/env node
// Second half of `npm run build`: the type declarations (dist/**/*.d.ts, import paths rewritten
// from .ts to .js so they resolve next to the bundles) and the replay player's browser bundle
// (dist/player.js, global RlArenaPlayer). Needs typescript and esbuild (dev dependencies).
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

const esbuild = require("esbuild");
esbuild.buildSync({
  entryPoints: [join(root, "src", "player", "bundle_entry.ts")],
  outfile: join(root, "dist", "player.js"),
  bundle: true,
  format: "iife",
  globalName: "RlArenaPlayer",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
process.stderr.write(`rl-arena-env: declarations (${rewritten} files with rewritten imports) and dist/player.js in ${Date.now() - started} ms\n`);
