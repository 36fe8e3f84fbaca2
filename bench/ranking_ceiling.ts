/**
 * How high Kendall's τ can go for issue 13's ranking benchmark, whatever the rating: no database,
 * only the model of bench/sql_ranking_quality.ts (Davidson: P(win) ∝ 10^(s/800), draws ∝ ν = 6/7,
 * 30 % draws between even agents).
 * 1. The Fisher information one game carries about the strength gap, by gap: it peaks at gap 0,
 *    so even pairings are already the most informative games.
 * 2. τ of an ideal estimate: N agents with strengths N(0, spread²), each estimated with the error
 *    its n games at gap 0 allow (variance 1/(n·I(0)), independent), n the same for all or spent
 *    where strengths are densest (weight exp(−p·z²/2), same mean). Monte Carlo, `reps` draws.
 *
 *   node --import tsx bench/ranking_ceiling.ts [agents=100] [spread=250] [reps=400]
 */
const [agents = 100, spread = 250, reps = 400] = process.argv.slice(2).map(Number);
const NU = 6 / 7;
const ELO_PER_LOGIT = 400 / Math.LN10; // a strength gap d Elo is d / ELO_PER_LOGIT in the model's log-odds

/** Win, loss and draw probabilities at a gap of x (log-odds units). */
function outcome(x: number): [number, number, number] {
  const a = Math.exp(x / 2), b = Math.exp(-x / 2), s = a + b + NU;
  return [a / s, b / s, NU / s];
}
/** Fisher information of one game about x, by finite differences. */
function information(x: number, h = 1e-5): number {
  const p = outcome(x), up = outcome(x + h), down = outcome(x - h);
  return p.reduce((sum, pk, k) => sum + ((up[k]! - down[k]!) / (2 * h)) ** 2 / pk, 0);
}

/** A seeded normal generator (mulberry32 + Box–Muller), so runs repeat. */
function normals(seed: number): () => number {
  let t = seed >>> 0;
  const uniform = () => { t = (t + 0x6d2b79f5) >>> 0; let r = Math.imul(t ^ (t >>> 15), 1 | t); r ^= r + Math.imul(r ^ (r >>> 7), 61 | r); return ((r ^ (r >>> 14)) >>> 0) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function kendall(a: number[], b: number[]): number {
  let sum = 0, pairs = 0;
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) { sum += Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!); pairs++; }
  return sum / pairs;
}

/** Mean τ of the ideal estimate after `games` games per agent on average, spent with weight exp(−p·z²/2). */
function idealTau(games: number, p: number, random: () => number): number {
  const i0 = information(0);
  let total = 0;
  for (let r = 0; r < reps; r++) {
    const strengths = Array.from({ length: agents }, () => random() * spread);
    const weights = strengths.map((s) => Math.exp((-p * (s / spread) ** 2) / 2));
    const mean = weights.reduce((x, y) => x + y, 0) / agents;
    const estimates = strengths.map((s, k) => {
      const n = Math.max(1, (games * weights[k]!) / mean);
      return s + random() * (ELO_PER_LOGIT / Math.sqrt(n * i0));
    });
    total += kendall(strengths, estimates);
  }
  return total / reps;
}

console.log("Fisher information per game by strength gap (Elo): " +
  [0, 50, 100, 200, 400].map((d) => `${d}: ${information(d / ELO_PER_LOGIT).toFixed(4)}`).join(", "));
const random = normals(1);
for (const games of [50, 100]) {
  const uniform = idealTau(games, 0, random);
  const dense = [0.5, 1, 2].map((p) => `p=${p} ${idealTau(games, p, random).toFixed(3)}`).join(", ");
  console.log(`${agents} agents, spread ${spread} Elo, ${games} even games each: ideal τ ${uniform.toFixed(3)}; games spent where strengths are densest: ${dense}`);
}
