/**
 * A full 1000-step pong match through the CLI between two built-in agents, each its own process
 * (issue 3). Reports the wall time of the whole command (start-up included) and the referee's
 * per-step figures from `--json`. Runs once from TypeScript via tsx and once from the built
 * dist/ (what the published package and `node env/bin/build.js` give).
 *
 *   node --import tsx bench/referee_cli_match.ts [runs=3]
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ENV = fileURLToPath(new URL("../env/", import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function once(): { wallMs: number; loopMs: number; steps: number; stepMs: number[]; initMs: number[] } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [`${ENV}bin/rl-arena-env.js`, "match", "pong", "builtin:pong-tracker", "builtin:pong-random", "--seed", "1", "--json"], { encoding: "utf8" });
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`CLI failed: ${r.stderr}`);
  const game = JSON.parse(r.stdout).games[0];
  if (game.outcome.total_steps !== 1000) throw new Error(`expected 1000 steps, got ${game.outcome.total_steps} (${game.outcome.end_reason})`);
  return { wallMs, loopMs: game.stats.loop_ms, steps: game.outcome.total_steps, stepMs: game.stats.players.map((p: { mean_ms: number }) => p.mean_ms), initMs: game.stats.players.map((p: { init_ms: number }) => p.init_ms) };
}

function report(label: string): void {
  const xs = Array.from({ length: runs }, once);
  const m = (f: (x: (typeof xs)[number]) => number) => median(xs.map(f));
  console.log(
    `${label}: whole command ${m((x) => x.wallMs).toFixed(0)} ms; step loop ${m((x) => x.loopMs).toFixed(0)} ms = ` +
      `${((m((x) => x.loopMs) / 1000) * 1000).toFixed(0)} µs/step; agents answer in ${m((x) => x.stepMs[0]!).toFixed(3)} / ${m((x) => x.stepMs[1]!).toFixed(3)} ms; ` +
      `agent start-up (init) ${m((x) => x.initMs[0]!).toFixed(0)} / ${m((x) => x.initMs[1]!).toFixed(0)} ms  (median of ${runs})`,
  );
}

console.log(`load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")} on ${(await import("node:os")).cpus().length} CPUs`);
rmSync(`${ENV}dist`, { recursive: true, force: true });
report("from TypeScript (tsx)");
const built = spawnSync(process.execPath, [`${ENV}bin/build.js`], { encoding: "utf8" });
if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
report("from dist/ (built)   ");
