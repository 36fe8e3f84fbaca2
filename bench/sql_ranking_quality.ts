/**
 * Ranking quality (issue 13): how fast ELO and the refitted skill (sql/skills.sql) find the true
 * order of agents whose strengths are known. `agents` synthetic agents get true strengths drawn
 * from N(1500, spread²) on the Elo scale; the real SQL plays the arena: pair_agents (default
 * windows and steps; no cooldown, no daily cap) pairs them on a simulated clock that moves
 * `tick` seconds per round, start_match / finish_match record each result, and the outcome of
 * each match is drawn from the true strengths with the Davidson model, tuned so that even agents
 * draw 30 % of the time (P(i wins) ∝ 10^(s_i/800), P(draw) ∝ ν with ν = 6/7).
 * After 10/25/50/100 games per agent (mean), Kendall's τ-b against the true order is printed
 * for ELO (agents.rating) and for the skill (agents.skill after refit_skills).
 *
 *   node --import tsx bench/sql_ranking_quality.ts [agents=100] [runs=3] [spread=250] [seatAdvantage=0] [tick=10]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/sql_ranking_quality.ts
 *   BENCH_SEAT_SWAP=1 …   # seat-swapped pairs on (setting seat_swapped_pairs)
 */
import { benchDatabase } from "./_sql_db.ts";

const agentsPerRun = Number(process.argv[2] ?? 100);
const runs = Number(process.argv[3] ?? 3);
const spread = Number(process.argv[4] ?? 250);
const seatAdvantage = Number(process.argv[5] ?? 0);
const tickSeconds = Number(process.argv[6] ?? 10);
const seatSwap = process.env.BENCH_SEAT_SWAP === "1";
const checkpoints = [10, 25, 50, 100];
const drawWeight = 6 / 7; // ν/(2 + ν) = 0.3 between even agents

/** mulberry32: a small seeded generator, so a run can be repeated. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Kendall's τ-b of two equally long lists (ties in either count as neither concordant nor discordant). */
export function kendallTauB(x: number[], y: number[]): number {
  let concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!), dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  return (concordant - discordant) / Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
}

const db = await benchDatabase(4);
const { sql } = db;
const table = new Map<number, { elo: number[]; skill: number[]; bound: number[]; refitMs: number[]; rounds: number[] }>(
  checkpoints.map((c) => [c, { elo: [], skill: [], bound: [], refitMs: [], rounds: [] }]));
const c = Math.LN10 / 400;

/** Φ, the standard normal distribution function (Abramowitz–Stegun 7.1.26 through erf). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2, t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The τ an ideal rating would expect from these very games: each agent's strength known up to
 * an independent error of variance 1/I, I = the Fisher information its games carried about it
 * (Davidson model at the true strengths), and every other agent's strength known exactly
 * otherwise. An approximation (opponents' errors are left out), not a strict bound: a rating
 * computed from the results can expect to come close to it, not to pass it by much.
 */
function tauBound(truth: number[], info: number[]): number {
  let sum = 0, pairs = 0;
  for (let i = 0; i < truth.length; i++) {
    for (let j = i + 1; j < truth.length; j++) {
      const sd = Math.sqrt(1 / info[i]! + 1 / info[j]!);
      sum += 1 - 2 * phi(-Math.abs(truth[i]! - truth[j]!) / sd);
      pairs++;
    }
  }
  return sum / pairs;
}
try {
  console.log(`${db.server}: ${agentsPerRun} agents, true strengths N(1500, ${spread}²), seat-0 advantage ${seatAdvantage} Elo, ` +
    `30 % draws between even agents, a round every ${tickSeconds} s of arena time, seat-swapped pairs ${seatSwap ? "on" : "off"}, ${runs} run(s)`);
  const [owner] = await sql`select id from register_user('rankbench', 'rankbench@example.com', 'x', 'Ranking bench')`;
  for (let run = 1; run <= runs; run++) {
    const rand = rng(1000 + run);
    const env = `rank-bench-${run}`;
    await sql`select upsert_environment(${env}, '1.0.0', ${"Ranking bench " + run}, '{}')`;
    await sql`update environments set settings = ${sql.json({ match_cooldown_s: 0, daily_match_limit: 1_000_000, seat_swapped_pairs: seatSwap ? 1 : 0 })}
              where id = ${env}`;
    const strength = new Map<string, number>();
    const information = new Map<string, number>(); // Fisher information about each agent's strength (Elo⁻²)
    for (let i = 0; i < agentsPerRun; i++) {
      const [a] = await sql`select id from create_agent(${owner.id}, ${env}, ${"agent" + i}, '')`;
      await sql`select create_builtin_submission(${a.id}, 'random')`;
      strength.set(a.id, 1500 + spread * normal(rand));
      information.set(a.id, 1 / 350 ** 2); // the same prior the skill starts from
    }
    let clock = Date.parse("2026-01-01T00:00:00Z");
    await sql`update agents set active_since = ${new Date(clock)} where environment_id = ${env}`;
    let rounds = 0;
    for (const checkpoint of checkpoints) {
      for (;;) {
        const [{ mean }] = await sql`select avg(games)::float8 as mean from agents where environment_id = ${env}`;
        if (mean >= checkpoint) break;
        clock += tickSeconds * 1000;
        rounds++;
        await sql.begin(async (tx) => {
          await tx`select set_config('rla.now', ${new Date(clock).toISOString()}, true)`;
          await tx`select count(*) from pair_agents(${env})`;
          // Pending matches of this environment: the ones just paired, then any second game of a
          // seat-swapped pair that finishing the first created.
          for (;;) {
            const pending = await tx`select id, player0_agent_id as a, player1_agent_id as b from matches
                                     where environment_id = ${env} and status = 'pending'`;
            if (!pending.length) break;
            for (const m of pending) {
              const d = (strength.get(m.a)! + seatAdvantage - strength.get(m.b)!) / 800;
              const r = 10 ** d, total = r + 1 / r + drawWeight, u = rand() * total;
              const winner = u < r ? 0 : u < r + 1 / r ? 1 : null;
              // Var(score) under the model = the information one game carries about d (natural units)
              const pw = r / total, pd = drawWeight / total, e = pw + pd / 2, v = pw + pd / 4 - e * e;
              for (const id of [m.a, m.b]) information.set(id, information.get(id)! + c * c * v);
              await tx`select start_match(${m.id})`;
              await tx`select finish_match(${m.id}, ${tx.json({ winner, scores: [winner === 0 ? 1 : 0, winner === 1 ? 1 : 0], end_reason: "completed", total_steps: 1 })})`;
            }
          }
        });
      }
      const started = performance.now();
      const [fit] = await sql`select iterations from refit_skills(${env}, true)`;
      if (process.env.BENCH_VERBOSE) console.log(`refit iterations ${fit.iterations}`);
      const refitMs = performance.now() - started;
      const rows = await sql`select id, rating, skill from agents where environment_id = ${env} order by id`;
      const truth = rows.map((r) => strength.get(r.id)!);
      const cell = table.get(checkpoint)!;
      cell.elo.push(kendallTauB(truth, rows.map((r) => Number(r.rating))));
      cell.skill.push(kendallTauB(truth, rows.map((r) => Number(r.skill ?? r.rating))));
      cell.bound.push(tauBound(truth, rows.map((r) => information.get(r.id)!)));
      cell.refitMs.push(refitMs);
      cell.rounds.push(rounds);
      console.log(`run ${run}: ${checkpoint} games per agent after ${rounds} rounds: τ ELO ${cell.elo.at(-1)!.toFixed(3)}, ` +
        `τ skill ${cell.skill.at(-1)!.toFixed(3)}, ideal ≈ ${cell.bound.at(-1)!.toFixed(3)} (refit ${refitMs.toFixed(0)} ms)`);
    }
  }
  const fmt = (xs: number[]) => `${(xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
  console.log("\n| games per agent | Kendall τ ELO | Kendall τ skill | ideal estimate (expected τ) | refit ms |\n|---|---|---|---|---|");
  for (const [c, cell] of table) {
    console.log(`| ${c} | ${fmt(cell.elo)} | **${fmt(cell.skill)}** | ${fmt(cell.bound)} | ${Math.round(Math.max(...cell.refitMs))} |`);
  }
} finally {
  await db.close();
}
