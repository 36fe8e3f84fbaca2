/**
 * Pong steps per second in a tight loop: one environment, resets when an episode ends.
 *   node --import tsx bench/env_pong_steps.ts [--steps 5000000] [--runs 5] [--no-python]
 * Modes: fixed actions (pure environment cost) and tracker vs random (built-in policies called
 * every step). Baseline in the same run: the original Python/NumPy dynamics
 * (env/test/fixtures/pong_original.py driven by numpy's default_rng), when python3 + numpy exist.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { builtinAgents, createRng, make } from "../env/src/index.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const STEPS = option("steps", 5_000_000);
const RUNS = option("runs", 5);

/** Wall-clock and CPU-time rates; CPU time (all threads of this process, GC included) is steadier on a busy machine. */
interface Rate {
  wall: number;
  cpu: number;
}
function measure(steps: number, loop: () => void): Rate {
  const cpu = process.cpuUsage();
  const started = performance.now();
  loop();
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall: steps / wallS, cpu: steps / ((used.user + used.system) / 1e6) };
}

function fixedActions(steps: number): Rate {
  const env = make("pong");
  env.reset({ seed: 1 });
  const actions = [0, 2];
  return measure(steps, () => {
    for (let i = 0; i < steps; i++) {
      actions[0] = i % 3;
      const r = env.step(actions);
      if (r.terminated || r.truncated) env.reset();
    }
  });
}

function trackerVsRandom(steps: number): Rate {
  const env = make("pong");
  const tracker = builtinAgents["pong-tracker"].act;
  const random = builtinAgents["pong-random"].act;
  const rngs = [createRng(11), createRng(12)];
  let { observations, info } = env.reset({ seed: 1 });
  const actions = [1, 1];
  return measure(steps, () => {
    for (let i = 0; i < steps; i++) {
      actions[0] = tracker(observations[0], info, 0, rngs[0]) as number;
      actions[1] = random(observations[1], info, 1, rngs[1]) as number;
      const r = env.step(actions);
      if (r.terminated || r.truncated) ({ observations, info } = env.reset());
      else ({ observations, info } = r);
    }
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function pythonBaseline(steps: number): number | null {
  const fixtures = fileURLToPath(new URL("../env/test/fixtures/", import.meta.url));
  const code = `
import sys, time, numpy as np
sys.path.insert(0, ${JSON.stringify(fixtures)})
from pong_original import PongEnvironment
env = PongEnvironment({}, np.random.default_rng(1))
env.reset()
n = ${steps}
t = time.perf_counter()
for i in range(n):
    obs, r, term, trunc = env.step([i % 3, 2])
    if term or trunc:
        env.reset()
print(n / (time.perf_counter() - t))
`;
  const run = spawnSync("python3", ["-c", code], { encoding: "utf8" });
  return run.status === 0 ? Number(run.stdout.trim()) : null;
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
fixedActions(1_000_000); // warm-up (JIT)
trackerVsRandom(1_000_000);
const fixedRuns = Array.from({ length: RUNS }, () => fixedActions(STEPS));
const policyRuns = Array.from({ length: RUNS }, () => trackerVsRandom(STEPS));
const row = (name: string, runs: Rate[]) => {
  const wall = runs.map((r) => r.wall);
  const cpu = runs.map((r) => r.cpu);
  console.log(`  ${name.padEnd(26)} ${fmt(median(wall))} steps/s wall (${fmt(Math.min(...wall))}–${fmt(Math.max(...wall))}), ${fmt(median(cpu))} steps per CPU-second`);
};
console.log(`node ${process.version}, ${RUNS} runs of ${fmt(STEPS)} steps each (median, min–max); load average ${(await import("node:os")).loadavg()[0].toFixed(1)}:`);
row("pong, fixed actions:", fixedRuns);
row("pong, tracker vs random:", policyRuns);
const fixed = fixedRuns.map((r) => r.wall);
const policies = policyRuns.map((r) => r.wall);
if (!args.includes("--no-python")) {
  const py = pythonBaseline(200_000);
  if (py === null) console.log("  original Python/NumPy:     skipped (python3 with numpy not available)");
  else console.log(`  original Python/NumPy:     ${fmt(py)} steps/s (200,000 steps) → TypeScript is ${(median(fixed) / py).toFixed(0)}× faster`);
}
const target = 3_000_000;
console.log(`target ≥ ${fmt(target)} steps/s (wall): fixed actions ${median(fixed) >= target ? "met" : "NOT met"}, tracker vs random ${median(policies) >= target ? "met" : "NOT met"}`);
