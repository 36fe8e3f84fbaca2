#!/usr/bin/env node
// Builds dist/ (plain JavaScript, one bundle per entry) so the package runs without tsx and
// agent processes start fast: `node bin/build.js` (also `npm run build -w env`). Needs esbuild.
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const started = Date.now();
await build({
  entryPoints: ["index", "sdk", "sdk_builtin", "cli"].map((name) => `${root}src/${name}.ts`),
  outdir: `${root}dist`,
  bundle: true,
  splitting: true, // the entries share the games, the SDK and the referee
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});
process.stderr.write(`rl-arena-env: built dist/ in ${Date.now() - started} ms\n`);
