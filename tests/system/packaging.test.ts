/**
 * The rl-arena-env npm package as a user gets it: `npm pack` (whose prepack builds dist/ and
 * points the manifest at it), installed with `--omit=dev` into an empty folder, then run with
 * plain Node — the bins, the CLI's new-agent and match (HTML replay), runMatch from an .mjs
 * script, and the type declarations. The installed package once ran only through tsx because
 * its bins compared file times that npm sets at extraction.
 *
 * npm pack runs in a copy of env/ without dist/ (a clean checkout, as CI has), so the test never
 * rewrites env/package.json or env/dist/ under other tests running at the same time.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../src/paths.ts";

const ENV_ROOT = join(PROJECT_ROOT, "env");
const work = mkdtempSync(join(tmpdir(), "rla-packaging-"));
const app = join(work, "app");
const installed = join(app, "node_modules", "rl-arena-env");

/** The environment of a user's shell: none of npm test's npm_* settings (its prefix!), no tsx preloaded. */
const userEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] =>
    e[1] !== undefined && !/^(npm_|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$|RLA_|TEST_)/i.test(e[0])),
);
userEnv.npm_config_update_notifier = "false";

function run(command: string, args: string[], cwd: string) {
  const r = spawnSync(command, args, { cwd, env: userEnv, encoding: "utf8", timeout: 60_000 });
  const shown = `${command} ${args.join(" ")} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`;
  assert.is(r.status, 0, shown);
  return { out: r.stdout, err: r.stderr, shown };
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile());
}

test.before(() => {
  // The package's sources as committed, without its build output; its build tools (esbuild,
  // typescript) come from the workspace's node_modules, as in a checkout after `npm ci`.
  const source = join(work, "rl-arena-env");
  cpSync(ENV_ROOT, source, {
    recursive: true,
    filter: (path) => !/^(dist|node_modules|test|package\.json\.workspace)(\/|$)/.test(relative(ENV_ROOT, path)),
  });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(source, "node_modules"));
  const packed = run("npm", ["pack", "--pack-destination", work], source);
  const tarball = join(work, packed.out.trim().split("\n").at(-1)!);
  assert.ok(existsSync(tarball), packed.shown);
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "packaging-test-app", private: true, type: "module" }));
  // --offline: the package has no dependencies, so installing it needs no registry.
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--omit=dev", tarball], app);
  // dist/ older than everything else: only a package that compares file times would care.
  const old = new Date("2001-01-01T00:00:00Z");
  for (const f of files(join(installed, "dist"))) utimesSync(join(installed, "dist", f), old, old);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test("the installed package is its build: dist/, bins and python/, exports at dist/, no sources and no dependencies", () => {
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  assert.equal(manifest.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" });
  assert.equal(manifest.exports["./sdk"], { types: "./dist/sdk.d.ts", default: "./dist/sdk.js" });
  assert.is(manifest.dependencies, undefined);
  assert.equal(readdirSync(installed).sort(), ["README.md", "bin", "dist", "package.json", "python"]);
  assert.ok(existsSync(join(installed, "dist", "player.js")));
  assert.ok(!existsSync(join(installed, "bin", "build.js")), "the build script is not shipped");
  assert.equal(readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith(".")), ["rl-arena-env"]);
});

test("npx rl-arena-env list runs from dist/ with plain Node", () => {
  const list = run("npx", ["--no", "rl-arena-env", "list"], app);
  assert.match(list.out, /pong\s+1\.0\.0\s+2/, list.shown);
  assert.match(list.out, /pong-tracker\s+pong/, list.shown);
});

test("new-agent writes starters that play a match against a built-in agent, with a self-contained HTML replay", () => {
  run("npx", ["--no", "rl-arena-env", "new-agent", "my-agent", "--lang", "node", "--env", "pong"], app);
  assert.equal(readdirSync(join(app, "my-agent")).sort(), ["README.md", "agent.json", "main.mjs"]);
  // The Node agent runs through rl-arena-agent, the built-in through rl-arena-builtin.
  const match = run("npx", ["--no", "rl-arena-env", "match", "pong", "./my-agent", "builtin:pong-tracker", "--seed", "1", "--out", "x.html"], app);
  assert.match(match.out, /1 game in [\d.]+ s; end reasons: completed 1/, match.shown);
  const html = readFileSync(join(app, "x.html"), "utf8");
  assert.match(html, /^<!doctype html>/i);
  assert.not.match(html, /<script[^>]*\bsrc\s*=/i, "no script is fetched");
  assert.not.match(html, /<link\b/i, "no stylesheet is fetched");
  assert.match(html, /var RlArenaPlayer=/, "the player bundle is inlined");
  const data = /<script type="application\/json" id="replay-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(data, "the replay is embedded");
  const replay = JSON.parse(data![1]!);
  assert.is(replay.environment.id, "pong");
  assert.equal(replay.players.map((p: { name: string }) => p.name), ["my-agent", "builtin:pong-tracker"]);
  assert.is(replay.result.end_reason, "completed");

  run("npx", ["--no", "rl-arena-env", "new-agent", "py-agent", "--lang", "python", "--env", "pong"], app);
  const py = run("npx", ["--no", "rl-arena-env", "match", "pong", "./py-agent", "builtin:pong-random", "--config", '{"max_steps":100}'], app);
  assert.match(py.out, /end reasons: completed 1/, py.shown);
});

test("runMatch with built-in agents, and renderReplayHtml, from a plain node .mjs script", () => {
  writeFileSync(join(app, "run.mjs"), `import { builtinAgentSpec, renderReplayHtml, runMatch } from "rl-arena-env";
import { serve } from "rl-arena-env/sdk";
import { existsSync } from "node:fs";
const result = await runMatch({ env: { id: "pong", config: { max_steps: 200 } }, agents: [builtinAgentSpec("pong-tracker"), builtinAgentSpec("pong-random")], seed: 3 });
console.log(JSON.stringify({ outcome: result.outcome, html: renderReplayHtml(result.replay).length, serve: typeof serve, player: existsSync(new URL(import.meta.resolve("rl-arena-env/player.js"))) }));
`);
  const r = run(process.execPath, ["run.mjs"], app);
  const printed = JSON.parse(r.out);
  assert.is(printed.outcome.end_reason, "completed", r.shown);
  assert.equal(printed.outcome.faulted_players ?? [], [], r.shown);
  assert.ok(printed.html > 5000, r.shown);
  assert.is(printed.serve, "function");
  assert.is(printed.player, true, "rl-arena-env/player.js resolves to the browser bundle");
});

test("TypeScript sees the package's declarations", () => {
  // The expect-error line holds only if runMatch is really typed: an untyped (any) import would leave it unused.
  writeFileSync(join(app, "consumer.ts"), `import { builtinAgentSpec, runMatch, type MatchResult } from "rl-arena-env";
import { serve } from "rl-arena-env/sdk";
const result: Promise<MatchResult> = runMatch({ env: { id: "pong" }, agents: [builtinAgentSpec("pong-tracker"), builtinAgentSpec("pong-random")], seed: 1 });
// @ts-expect-error runMatch needs its options
runMatch();
void result;
void serve;
`);
  const tsc = join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
  run(process.execPath, [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--skipLibCheck",
    "--types", "node", "--typeRoots", join(PROJECT_ROOT, "node_modules", "@types"), "consumer.ts"], app);
});

test.run();
