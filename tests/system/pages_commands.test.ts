/**
 * Every command the site and env/README.md show, run as a user would paste it: the shell blocks
 * of env/README.md and the quick start of every environment page (taken from the page the built
 * platform serves), in a folder where the packed rl-arena-env is installed from its tarball.
 * The quick start's zip is then uploaded and must build. The page once told people to run
 * `--lang javascript` (the CLI takes `node`) and `match ./my-agent builtin --env pong`.
 *
 * The root, k8s/ and bench/ READMEs' commands are run (or listed with a reason) by
 * readme_commands.test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../src/paths.ts";
import { startBuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, relaxRateLimits } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

const ENV_ROOT = join(PROJECT_ROOT, "env");
const work = mkdtempSync(join(tmpdir(), "rla-commands-"));
const app = join(work, "app");
let tarball = "";

/** A user's shell: no npm test settings, no tsx; offline, so a package not installed fails instead of downloading. */
const userEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] =>
    e[1] !== undefined && !/^(npm_|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$|RLA_|TEST_)/i.test(e[0])),
);
userEnv.npm_config_update_notifier = "false";
userEnv.npm_config_offline = "true";
userEnv.PATH = `${join(app, "node_modules", ".bin")}:${userEnv.PATH}`;

/**
 * Runs a block of shell lines with bash -e (the first failing line stops it) in `cwd`. Async on
 * purpose: a spawnSync blocks the event loop, so fetch would reuse a keep-alive socket the
 * platform closed meanwhile ("fetch failed").
 */
function shell(script: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", ["-e", "-c", script], { cwd, env: userEnv, encoding: "utf8", timeout: 240_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const shown = `$ ${script.split("\n").join("\n$ ")}\n(exit ${error ? (error as { code?: unknown }).code : 0})\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`;
      if (error) reject(new assert.Assertion({ message: shown, generated: false, operator: "shell", expects: 0, actual: (error as { code?: unknown }).code }));
      else resolve(stdout);
    });
  });
}

/** The fenced blocks of a Markdown text with one of `langs`. */
function codeBlocks(markdown: string, langs: string[]): string[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => langs.includes(m[1])).map((m) => m[2]);
}

const unescapeHtml = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

test.before(() => {
  // Pack a copy of env/ without its build output (as packaging.test.ts does), never env/ itself.
  const source = join(work, "rl-arena-env");
  cpSync(ENV_ROOT, source, { recursive: true, filter: (path) => !/^(dist|node_modules|test)(\/|$)/.test(relative(ENV_ROOT, path)) });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(source, "node_modules"));
  const packed = spawnSync("npm", ["pack", "--pack-destination", work], { cwd: source, env: { ...userEnv, npm_config_offline: "false" }, encoding: "utf8" });
  assert.is(packed.status, 0, packed.stderr);
  tarball = join(work, packed.stdout.trim().split("\n").at(-1)!);
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "commands-test-app", private: true, type: "module" }));
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test("env/README's install command installs the package (the tarball in place of the registry)", async () => {
  const blocks = codeBlocks(readFileSync(join(ENV_ROOT, "README.md"), "utf8"), ["sh"]);
  const install = blocks.find((b) => /^npm install rl-arena-env$/m.test(b));
  assert.ok(install, "the README shows `npm install rl-arena-env`");
  await shell(install!.replace("npm install rl-arena-env", `npm install --no-audit --no-fund ${tarball}`), app);
  assert.ok(existsSync(join(app, "node_modules", ".bin", "rl-arena-env")));
});

test("env/README's command-line block runs as written, in order", async () => {
  const blocks = codeBlocks(readFileSync(join(ENV_ROOT, "README.md"), "utf8"), ["sh"]).filter((b) => /^rl-arena-env /m.test(b));
  assert.ok(blocks.length >= 1, "a block of rl-arena-env commands");
  const dir = join(app, "readme");
  mkdirSync(dir);
  for (const block of blocks) await shell(block, dir);
  for (const file of ["replay-1.html", "replay-3.html", "replay.json", "replay.html", "my-agent/agent.json"]) assert.ok(existsSync(join(dir, file)), `${file} was written`);
});

test("every environment page's quick start runs as shown, and the zip it makes builds on the platform", async () => {
  const platform = await startBuiltPlatform();
  try {
    await relaxRateLimits(platform.sql!);
    const user = await registerUser(platform.url, "quickstart");
    const envs = ((await (await fetch(`${platform.url}/api/v1/environments`)).json()) as { environments: Array<{ id: string }> }).environments;
    assert.ok(envs.length >= 3, "pong, tic-tac-toe and connect-four");
    for (const { id } of envs) {
      const page = await (await fetch(`${platform.url}/environments/${id}`)).text();
      const quickstart = page.slice(page.indexOf('id="quickstart"'));
      const blocks = [...quickstart.matchAll(/<pre[^>]*data-lang="(\w+)"[^>]*><code>([\s\S]*?)<\/code><\/pre>/g)].map((m) => ({ lang: m[1], text: unescapeHtml(m[2]) }));
      assert.equal(blocks.map((b) => b.lang), ["python", "node"], `${id}: a Python and a JavaScript quick start`);
      for (const block of blocks) {
        const dir = join(app, `${id}-${block.lang}`);
        mkdirSync(dir);
        const out = await shell(block.text, dir);
        assert.match(out, /replay\.html/, `${id} ${block.lang}: the match wrote its replay`);
        assert.ok(existsSync(join(dir, "my-agent.zip")), `${id} ${block.lang}: the zip to upload`);
        const created = await user.api("/agents", { method: "POST", json: { environmentId: id, name: `${id} ${block.lang}` } });
        assert.is(created.status, 201, await created.clone().text());
        const agentId = ((await created.json()) as { agent: { id: string } }).agent.id;
        const form = new FormData();
        form.set("agentId", agentId);
        form.set("file", new Blob([readFileSync(join(dir, "my-agent.zip"))], { type: "application/zip" }), "my-agent.zip");
        const uploaded = await user.api("/submissions", { method: "POST", body: form });
        assert.is(uploaded.status, 201, await uploaded.clone().text());
        const submissionId = ((await uploaded.json()) as { submission: { id: string } }).submission.id;
        let status = "";
        await waitFor(async () => {
          status = ((await (await user.api(`/submissions/${submissionId}`)).json()) as { submission: { status: string } }).submission.status;
          return status === "active" || status === "failed";
        }, 120_000, () => `${id} ${block.lang}: the build to finish (status ${status})`);
        const log = await (await user.api(`/submissions/${submissionId}/build-logs`)).text();
        assert.is(status, "active", `${id} ${block.lang}: the quick start's zip builds; ${log}`);
      }
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\nthe platform's output:\n${platform.output().slice(-4000)}`, { cause: error });
  } finally {
    await platform.stop();
  }
});

test.run();
