/**
 * The match pod's plumbing with real processes and real FIFOs, using the commands of the
 * generated Job: the bridge alone, then the referee entry playing whole matches.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildMatchJob } from "../src/executor/kubernetes/match_job.ts";
import { ResultError, readResult } from "../src/executor/kubernetes/result.ts";
import type { KubernetesAgent } from "../src/executor/kubernetes/types.ts";
import { PROJECT_ROOT } from "../src/paths.ts";
import { alive, createLocalPod } from "./helpers/k8s_pod.ts";

const NONCE = "test-nonce-0123456789abcdef";

function agent(i: number): KubernetesAgent {
  return { image: `registry.test/agents:a${i}`, language: "node", entry: "main.js", agentId: `a${i}`, name: `agent ${i}`, submissionId: `s${i}`, version: 1 };
}

function job(envId = "pong", config: Record<string, unknown> = { max_steps: 30 }, limits = {}) {
  return buildMatchJob({
    matchId: "m1",
    namespace: "rl-arena-matches",
    environment: { id: envId, config },
    seed: 7,
    agents: [agent(0), agent(1)],
    refereeImage: "registry.test/rl-arena:1",
    nonce: NONCE,
    limits: { initTimeoutS: 15, stepTimeoutS: 2, timeBankS: 5, stderrCapBytes: 4096, ...limits },
  });
}

/** Starts the bridge as the referee would; collects its output. */
function startBridge(dir: string, extra: string[] = []) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/executor/kubernetes/bridge_main.ts", "attach", dir, ...extra], {
    cwd: PROJECT_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  return { child, out, exited };
}

async function until(what: string, check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const ECHO_AGENT = `
process.stderr.write("echo agent up\\n");
let buf = "";
process.stdin.on("data", (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf("\\n")) !== -1) {
    const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
    const msg = JSON.parse(line);
    if (msg.type === "quit") process.exit(0);
    process.stdout.write(JSON.stringify({ echo: msg }) + "\\n");
    process.stderr.write("saw " + msg.type + "\\n");
  }
});
process.stdin.on("end", () => { process.stderr.write("stdin closed\\n"); process.exit(0); });
`;

test("the bridge carries lines to the agent and back, passes stderr on, and exits when the agent exits", async () => {
  // Setup
  const pod = createLocalPod(job());
  try {
    const script = join(pod.dir, "echo.mjs");
    writeFileSync(script, ECHO_AGENT);
    const agentProc = pod.startAgent(0, [process.execPath, script]);
    const bridge = startBridge(pod.io(0));
    // Action
    bridge.child.stdin.write(JSON.stringify({ type: "init", player: 0 }) + "\n");
    await until("the echo of init", () => bridge.out.stdout.includes("\n"));
    bridge.child.stdin.write(JSON.stringify({ type: "quit" }) + "\n");
    const code = await bridge.exited;
    // Assertions
    assert.equal(JSON.parse(bridge.out.stdout.trim()), { echo: { type: "init", player: 0 } });
    assert.ok(bridge.out.stderr.includes("echo agent up\nsaw init\n"), bridge.out.stderr);
    assert.is(code, 0);
    await until("the agent's exit", () => agentProc.exitCode !== null);
  } finally {
    pod.cleanup();
  }
});

test("killing the bridge closes the agent's stdin, so a well-behaved agent exits", async () => {
  // Setup
  const pod = createLocalPod(job());
  try {
    const script = join(pod.dir, "echo.mjs");
    writeFileSync(script, ECHO_AGENT);
    const agentProc = pod.startAgent(0, [process.execPath, script]);
    const bridge = startBridge(pod.io(0));
    bridge.child.stdin.write(JSON.stringify({ type: "init" }) + "\n");
    await until("the echo", () => bridge.out.stdout.includes("\n"));
    // Action
    bridge.child.kill("SIGKILL");
    // Assertions
    await until("the agent's exit after its stdin closed", () => agentProc.exitCode !== null);
    assert.is(agentProc.exitCode, 0);
  } finally {
    pod.cleanup();
  }
});

test("the bridge gives up with exit code 3 when the agent container never opens its pipes", async () => {
  // Setup
  const pod = createLocalPod(job());
  try {
    // Action
    const bridge = startBridge(pod.io(1), ["--open-timeout-ms", "300"]);
    const code = await bridge.exited;
    // Assertions
    assert.is(code, 3);
    assert.match(bridge.out.stderr, /did not open its pipes within 300 ms/);
  } finally {
    pod.cleanup();
  }
});

test("the bridge passes at most the stderr cap of a flood and reports how much it dropped", async () => {
  // Setup
  const pod = createLocalPod(job());
  try {
    const script = join(pod.dir, "flood.mjs");
    writeFileSync(script, `const b = Buffer.alloc(65536, 120); let n = 0; const go = () => { while (n < 80) { n++; if (!process.stderr.write(b)) return process.stderr.once("drain", go); } process.exit(0); }; go();`);
    pod.startAgent(0, [process.execPath, script]);
    // Action
    const bridge = startBridge(pod.io(0), ["--stderr-cap-bytes", "1000"]);
    const code = await bridge.exited;
    // Assertions
    assert.is(code, 0);
    const [kept, note] = bridge.out.stderr.split("\n[rl-arena bridge: ");
    assert.is(kept, "x".repeat(1000));
    assert.match(note, new RegExp(`^${80 * 65536 - 1000} more bytes of stderr dropped`));
  } finally {
    pod.cleanup();
  }
});

const STAY_AGENT = `export default function act(observation) { process.stderr.write("step\\n"); return 1; }\n`;
const CRASH_AGENT = `process.stderr.write("crashing on purpose\\n"); process.exit(3);\n`;

test("the referee entry plays a pong match through the FIFOs and frames a result the worker can read", async () => {
  // Setup
  const j = job();
  const pod = createLocalPod(j);
  try {
    const file = join(pod.dir, "stay.mjs");
    writeFileSync(file, STAY_AGENT);
    const agents = [0, 1].map((i) => pod.startAgent(i, [process.execPath, "env/bin/rl-arena-agent.js", file]));
    // Action
    const run = await pod.runReferee();
    const result = readResult(run.terminationMessage, run.stdout, NONCE);
    // Assertions
    assert.is(run.code, 0, run.stderr);
    assert.is(result.outcome.end_reason, "completed");
    assert.is(result.outcome.total_steps, 30);
    assert.is(result.logs.length, 2);
    assert.ok(result.logs[0].includes("step\n"), result.logs[0]);
    const replay = result.replay as { environment: { id: string }; steps: unknown[]; players: Array<{ agent_id: string }> };
    assert.is(replay.environment.id, "pong");
    assert.is(replay.steps.length, 31, "frame 0 plus 30 steps");
    assert.equal(replay.players.map((p) => p.agent_id), ["a0", "a1"]);
    await until("both agents to exit after the end message", () => agents.every((a) => a.exitCode !== null || !alive(a.pid)));
  } finally {
    pod.cleanup();
  }
});

test("an agent that crashes at init loses by crash and the referee still reports through its frames", async () => {
  // Setup
  const pod = createLocalPod(job());
  try {
    const good = join(pod.dir, "stay.mjs");
    const bad = join(pod.dir, "crash.mjs");
    writeFileSync(good, STAY_AGENT);
    writeFileSync(bad, CRASH_AGENT);
    pod.startAgent(0, [process.execPath, "env/bin/rl-arena-agent.js", good]);
    pod.startAgent(1, [process.execPath, bad]);
    // Action
    const run = await pod.runReferee();
    const result = readResult(run.terminationMessage, run.stdout, NONCE);
    // Assertions
    assert.is(run.code, 0, run.stderr);
    assert.is(result.outcome.end_reason, "crash");
    assert.is(result.outcome.winner, 0);
    assert.is(result.outcome.faulted_player, 1);
    assert.ok(result.logs[1].includes("crashing on purpose"), result.logs[1]);
  } finally {
    pod.cleanup();
  }
});

test("a platform failure in the referee exits 1 with an error termination message the worker turns into a ResultError", async () => {
  // Setup: an environment that does not exist
  const pod = createLocalPod(job("no-such-game", {}));
  try {
    // Action
    const run = await pod.runReferee();
    // Assertions
    assert.is(run.code, 1);
    assert.match(JSON.parse(run.terminationMessage).error, /no-such-game/);
    assert.throws(() => readResult(run.terminationMessage, run.stdout, NONCE), (e: unknown) => e instanceof ResultError && /the referee failed: .*no-such-game/.test((e as Error).message));
  } finally {
    pod.cleanup();
  }
});

test.run();
