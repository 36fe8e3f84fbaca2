/**
 * Stored replay bytes of a 1000-step pong match (tracker vs random): the gzip of every frame
 * (what matches stored before issue 14) against the gzip of the compact replay (environment,
 * seed, actions) the match worker stores now, plus the time of the record-time guard
 * (compact → re-simulate → compare) and of rebuilding the frames for a download.
 *   node --import tsx bench/replay_size.ts [--seeds 20] [--steps 1000]
 */
import { gzipSync } from "node:zlib";
import { builtinAgents, loadReplay, playEpisode, storableReplay } from "../env/src/index.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SEEDS = option("seeds", 20);
const STEPS = option("steps", 1000);

const rows: Array<{ framesJson: number; framesGzip: number; compactJson: number; compactGzip: number; guardMs: number; rebuildMs: number }> = [];
// Matches that last all STEPS steps (some end earlier at the score limit): the first SEEDS such seeds.
for (let seed = 1; rows.length < SEEDS; seed++) {
  if (seed > SEEDS * 20) throw new Error(`fewer than ${SEEDS} of ${seed - 1} seeds gave a ${STEPS}-step match`);
  const full = playEpisode({ env: "pong", config: { max_steps: STEPS }, seed, policies: [builtinAgents["pong-tracker"].act, builtinAgents["pong-random"].act] });
  if (full.steps.length !== STEPS + 1) continue;
  const framesText = JSON.stringify(full);
  let t = performance.now();
  const stored = storableReplay(full);
  const guardMs = performance.now() - t;
  if (stored.schema_version !== 2) throw new Error(`seed ${seed}: the guard kept the frames`);
  const compactText = JSON.stringify(stored);
  t = performance.now();
  loadReplay(compactText);
  const rebuildMs = performance.now() - t;
  rows.push({ framesJson: framesText.length, framesGzip: gzipSync(framesText).length, compactJson: compactText.length, compactGzip: gzipSync(compactText).length, guardMs, rebuildMs });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
const ratios = rows.map((r) => r.framesGzip / r.compactGzip);
console.log(`${SEEDS} pong matches of ${STEPS} steps (tracker vs random), medians:`);
console.log(`  frames:  ${m("framesJson")} B JSON, ${m("framesGzip")} B gzip (stored before)`);
console.log(`  compact: ${m("compactJson")} B JSON, ${m("compactGzip")} B gzip (stored now)`);
console.log(`  stored bytes ${median(ratios).toFixed(1)}× smaller (min ${Math.min(...ratios).toFixed(1)}×, max ${Math.max(...ratios).toFixed(1)}×); target ≥ 20×`);
console.log(`  record-time guard ${m("guardMs").toFixed(1)} ms, rebuilding the frames ${m("rebuildMs").toFixed(1)} ms`);
if (Math.min(...ratios) < 20) process.exitCode = 1;
