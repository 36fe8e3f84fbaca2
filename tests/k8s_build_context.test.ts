/**
 * The build context really carries the uploaded code: packed, served once, fetched by the
 * real fetch-context entry, checked by hash, and it unpacks to the Dockerfile, the code and
 * our runtime. The Node SDK bundle works as `rl-arena-env` for an agent outside the workspace.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createBuildContext, prepareAgentRuntime, serveBuildContext } from "../src/executor/kubernetes/build_context.ts";
import { generateAgentDockerfile } from "../src/executor/kubernetes/agent_image.ts";
import { PROJECT_ROOT } from "../src/paths.ts";

const dir = mkdtempSync(join(tmpdir(), "rla-ctx-test-"));
const runtime = join(dir, "runtime");
await prepareAgentRuntime(runtime);

function fetchContext(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/executor/kubernetes/fetch_context_main.ts"], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? "", RLA_TERMINATION_LOG: join(dir, "termination"), ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
}

test("a Python context is served once to the right token, fetched with its hash checked, and holds the code", async () => {
  // Setup
  const code = join(dir, "upload-py");
  mkdirSync(join(code, "lib"), { recursive: true });
  writeFileSync(join(code, "main.py"), "from lib.brain import act\n");
  writeFileSync(join(code, "lib", "brain.py"), "def act(obs):\n    return 1\n");
  const { tarball, sha256 } = await createBuildContext({ language: "python", entry: "main.py", codeDir: code, runtimeDir: runtime });
  const served = await serveBuildContext(tarball, { advertiseHost: "127.0.0.1", host: "127.0.0.1" });
  const file = join(dir, "context.tar.gz");
  try {
    // Action
    const wrongToken = await fetchContext({ RLA_CONTEXT_URL: served.url, RLA_CONTEXT_TOKEN: "x".repeat(43), RLA_CONTEXT_SHA256: sha256, RLA_CONTEXT_FILE: file });
    const ok = await fetchContext({ RLA_CONTEXT_URL: served.url, RLA_CONTEXT_TOKEN: served.token, RLA_CONTEXT_SHA256: sha256, RLA_CONTEXT_FILE: file });
    const again = await fetchContext({ RLA_CONTEXT_URL: served.url, RLA_CONTEXT_TOKEN: served.token, RLA_CONTEXT_SHA256: sha256, RLA_CONTEXT_FILE: join(dir, "again.tar.gz") });
    // Assertions
    assert.is(wrongToken.code, 1);
    assert.match(wrongToken.stderr, /answered 401/);
    assert.is(ok.code, 0, ok.stderr);
    assert.is(again.code, 1);
    assert.match(again.stderr, /answered 410/);
    await served.fetched;
    const out = join(dir, "unpacked-py");
    mkdirSync(out);
    await extract({ file, cwd: out });
    assert.is(readFileSync(join(out, "Dockerfile"), "utf8"), generateAgentDockerfile("python", "main.py"));
    assert.is(readFileSync(join(out, "agent", "lib", "brain.py"), "utf8"), "def act(obs):\n    return 1\n");
    assert.ok(existsSync(join(out, "rl-arena", "rl_arena_launch.py")));
    assert.ok(existsSync(join(out, "rl-arena", "rl_arena", "core", "agent.py")));
  } finally {
    await served.close();
  }
});

test("a fetched context whose hash differs is refused", async () => {
  // Setup
  const code = join(dir, "upload-hash");
  mkdirSync(code);
  writeFileSync(join(code, "main.py"), "def act(o):\n    return 1\n");
  const { tarball } = await createBuildContext({ language: "python", entry: "main.py", codeDir: code, runtimeDir: runtime });
  const served = await serveBuildContext(tarball, { advertiseHost: "127.0.0.1", host: "127.0.0.1" });
  try {
    // Action
    const r = await fetchContext({ RLA_CONTEXT_URL: served.url, RLA_CONTEXT_TOKEN: served.token, RLA_CONTEXT_SHA256: "0".repeat(64), RLA_CONTEXT_FILE: join(dir, "bad.tar.gz") });
    // Assertions
    assert.is(r.code, 1);
    assert.match(r.stderr, /hashes to [0-9a-f]{64}, expected 0{64}/);
    assert.match(readFileSync(join(dir, "termination"), "utf8"), /hashes to/);
  } finally {
    await served.close();
  }
});

test("a Node context's runner and bundled SDK play the protocol for an agent outside the workspace", async () => {
  // Setup: unpack the context as the image would lay it out (/opt/rl-arena, /node_modules, /agent)
  const code = join(dir, "upload-js");
  mkdirSync(code);
  writeFileSync(join(code, "main.mjs"), 'import { serve } from "rl-arena-env";\nserve((obs) => 2);\n');
  const { tarball } = await createBuildContext({ language: "node", entry: "main.mjs", codeDir: code, runtimeDir: runtime });
  const root = join(dir, "image-root");
  mkdirSync(root);
  const tgz = join(dir, "node-context.tar.gz");
  writeFileSync(tgz, tarball);
  await extract({ file: tgz, cwd: root });
  // Action: run the runner the way the Dockerfile's ENTRYPOINT does, with the layout rebased
  const child = spawn(process.execPath, [join(root, "rl-arena", "runner.mjs"), join(root, "agent", "main.mjs")], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.write(JSON.stringify({ type: "init", protocol: 1, player: 0, env: { id: "pong", version: "1.0.0", config: {}, num_players: 2, action_space: { type: "discrete", n: 3 }, observation_space: { type: "discrete", n: 3 } }, seed: 1, limits: { init_timeout_s: 10, step_timeout_s: 1, time_bank_s: 60 } }) + "\n");
  child.stdin.write(JSON.stringify({ type: "step", step: 0, observation: [0], info: {}, remaining_overage_s: 60 }) + "\n");
  child.stdin.write(JSON.stringify({ type: "end", result: { winner: null, scores: [0, 0], end_reason: "completed", total_steps: 1, you: 0 } }) + "\n");
  child.stdin.end();
  const exit = await new Promise<number | null>((r) => child.on("exit", r));
  // Assertions
  assert.is(exit, 0, stderr);
  assert.equal(stdout.trim().split("\n").map((l) => JSON.parse(l)), [{ ready: true }, { action: 2 }]);
  assert.ok(existsSync(join(root, "node_modules", "rl-arena-env", "index.js")));
  assert.not.ok(readFileSync(join(root, "node_modules", "rl-arena-env", "index.js"), "utf8").includes("from \"./"), "the SDK is one self-contained file");
});

test("a context cannot be made without the prepared runtime", async () => {
  let message = "";
  await createBuildContext({ language: "python", entry: "main.py", codeDir: dir, runtimeDir: join(dir, "nope") }).catch((e: Error) => (message = e.message));
  assert.match(message, /the agent runtime for python is missing at .*nope\/python; run prepareAgentRuntime/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
