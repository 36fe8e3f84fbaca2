#!/usr/bin/env node
// Builds dist/ (plain JavaScript, one bundle per entry) so the package runs without tsx and
// agent processes start fast: `node bin/build.js` (also `npm run build -w env`). Needs esbuild.
//
// First the replay player's browser bundle, dist/player.js (an IIFE defining the global
// RlArenaPlayer); its text is then embedded in the Node bundles as __RL_ARENA_PLAYER_BUNDLE__,
// so renderReplayHtml needs neither a file nor esbuild at run time, wherever the code ends up
// (this package's dist/, or an app's bundle such as the platform's dist/main.js).
// `node bin/build.js --player` builds only dist/player.js (src/replay_html.ts runs that in a
// source checkout when src/player/ changed).
import { build } from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = Date.now();

const player = await build({
  entryPoints: [`${root}src/player/bundle_entry.ts`],
  write: false,
  bundle: true,
  format: "iife",
  globalName: "RlArenaPlayer",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
const playerSource = player.outputFiles[0].text;
mkdirSync(`${root}dist`, { recursive: true });
// Written aside then renamed, so a process reading dist/player.js never sees half a file.
const temporary = `${root}dist/player.js.${process.pid}.tmp`;
writeFileSync(temporary, playerSource);
renameSync(temporary, `${root}dist/player.js`);

if (process.argv[2] !== "--player") {
  const { metafile } = await build({
    entryPoints: ["index", "sdk", "sdk_builtin", "cli"].map((name) => `${root}src/${name}.ts`),
    outdir: `${root}dist`,
    bundle: true,
    splitting: true, // the entries share the games, the SDK and the referee
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    define: { __RL_ARENA_PLAYER_BUNDLE__: JSON.stringify(playerSource) },
    metafile: true,
    logLevel: "warning",
  });
  // Chunks of earlier builds are referenced by nothing now; left in dist/ they would be packed.
  const current = new Set(Object.keys(metafile.outputs).map((path) => basename(path)));
  for (const name of readdirSync(`${root}dist`)) {
    if (/^chunk-.*\.js(\.map)?$/.test(name) && !current.has(name)) rmSync(`${root}dist/${name}`, { force: true });
  }
}
process.stderr.write(`rl-arena-env: built ${process.argv[2] === "--player" ? "dist/player.js" : "dist/"} in ${Date.now() - started} ms\n`);
