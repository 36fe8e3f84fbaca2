/**
 * The local executor on this machine: full 1000-step pong matches between two built-in
 * pong-tracker agents (they draw 0–0 under pong 1.0.0's rules, so every match runs all 1000
 * steps), played through the same path as the match worker (executor `play`: runtime bundle,
 * launch hook, referee, replay gzip).
 *
 * 1. Sequential matches alternating sandboxed (bubblewrap, uid per agent, rlimits) and
 *    unsandboxed (the same runner processes spawned directly), so both see the same machine
 *    load: wall time per match, time in the step loop, and the per-step cost of each.
 * 2. Throughput: sandboxed matches with `concurrency` at a time for `seconds`, as matches per minute.
 *
 *   node --import tsx bench/executor_matches.ts [pairs=6] [concurrency=2] [seconds=60]
 */
import { chmodSync, mkdtempSync } from "node:fs";
import { loadavg, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { play } from "../src/executor/local/executor.ts";
import { prepareRuntime } from "../src/executor/local/runtime.ts";
import { initSandbox } from "../src/executor/local/sandbox.ts";
import type { MatchSpec } from "../src/executor/types.ts";
import { createLogger } from "../src/log.ts";

const pairs = Number(process.argv[2] ?? 6);
const concurrency = Number(process.argv[3] ?? 2);
const seconds = Number(process.argv[4] ?? 60);
const log = createLogger({ level: "error" });
const dataDir = mkdtempSync(join(tmpdir(), "rla-bench-"));
chmodSync(dataDir, 0o755);
await prepareRuntime(dataDir);

let seed = 1;
const spec = (): MatchSpec => ({
  matchId: `bench-${seed}`,
  environment: { id: "pong", version: "1.0.0", config: { max_steps: 1000 } },
  seed: seed++,
  settings: { initTimeoutS: 10, stepTimeoutS: 1, timeBankS: 60, memoryMb: 512, cpus: 1, maxProcesses: 64, logCapBytes: 1 << 20, matchDeadlineS: 3600 },
  seats: ["left", "right"].map((name) => ({ agentId: name, name, submissionId: "", version: 1, language: "builtin" as const, entry: "pong-tracker" })),
});

interface Sample { wallMs: number; loopMs: number; steps: number }
async function one(): Promise<Sample> {
  const started = performance.now();
  const r = await play({ dataDir, log }, spec(), [null, null]);
  if (r.outcome.end_reason !== "completed") throw new Error(`bench match ended with ${r.outcome.end_reason}: ${r.outcome.fault_detail}`);
  return { wallMs: performance.now() - started, loopMs: r.stats.loopMs, steps: r.outcome.total_steps };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sandboxed: Sample[] = [];
const plain: Sample[] = [];
await initSandbox("bwrap");
await one(); // warm-up (runtime bundle in page cache, JIT)
for (let i = 0; i < pairs; i++) {
  await initSandbox("bwrap");
  sandboxed.push(await one());
  await initSandbox("none");
  plain.push(await one());
}
const row = (name: string, s: Sample[]) => {
  const wall = median(s.map((x) => x.wallMs));
  const loop = median(s.map((x) => x.loopMs));
  const steps = median(s.map((x) => x.steps));
  return { name, wall, loop, startup: wall - loop, perStepUs: (loop / steps) * 1000, steps };
};
const a = row("sandboxed (bwrap)", sandboxed);
const b = row("unsandboxed", plain);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`\nsequential full matches, median of ${pairs} each (alternating):`);
console.log("| mode | steps | wall per match | step loop | outside the loop (spawn, init, cleanup) | per step |");
console.log("|---|---|---|---|---|---|");
for (const r of [a, b]) console.log(`| ${r.name} | ${r.steps} | ${r.wall.toFixed(0)} ms | ${r.loop.toFixed(0)} ms | ${r.startup.toFixed(0)} ms | ${r.perStepUs.toFixed(0)} µs |`);
console.log(`sandbox overhead: ${(a.wall - b.wall).toFixed(0)} ms per match, ${(a.perStepUs - b.perStepUs).toFixed(0)} µs per step (${((a.perStepUs / b.perStepUs - 1) * 100).toFixed(0)}%)`);

await initSandbox("bwrap");
let done = 0;
const until = performance.now() + seconds * 1000;
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < until) {
    await one();
    done++;
  }
}));
const minutes = (performance.now() - started) / 60_000;
console.log(`\nthroughput: ${done} sandboxed full matches in ${(minutes * 60).toFixed(1)} s with ${concurrency} at a time = ${(done / minutes).toFixed(1)} matches/min`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
