#!/usr/bin/env node
// In the workspace, package.json "exports" point at the TypeScript sources (src/*.ts) so the
// platform and the tests run the code as written. A published package must point at the build:
// `--dist` (run by prepack, after the build) rewrites each "./src/X.ts" export to
// { types: "./dist/X.d.ts", default: "./dist/X.js" } and keeps the original in
// package.json.workspace; `--restore` (postpack) puts the original back.
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const manifest = fileURLToPath(new URL("../package.json", import.meta.url));
const backup = `${manifest}.workspace`;
const mode = process.argv[2];

if (mode === "--restore") {
  if (existsSync(backup)) renameSync(backup, manifest);
} else if (mode === "--dist") {
  if (existsSync(backup)) throw new Error(`${backup} exists: a previous pack did not finish; run with --restore first`);
  copyFileSync(manifest, backup);
  const pkg = JSON.parse(readFileSync(manifest, "utf8"));
  const toDist = (path) => {
    const match = /^\.\/src\/(.+)\.ts$/.exec(path);
    return match ? { types: `./dist/${match[1]}.d.ts`, default: `./dist/${match[1]}.js` } : path;
  };
  for (const [key, value] of Object.entries(pkg.exports)) {
    if (typeof value === "string") pkg.exports[key] = toDist(value);
    else if (value && typeof value.default === "string") pkg.exports[key] = toDist(value.default);
  }
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else {
  throw new Error("usage: publish_manifest.mjs --dist | --restore");
}
