/**
 * Leaderboard reads as the pages make them, on one environment of `agents` ranked agents
 * (ratings in 40 steps of 25, so most agents share their rank with others), against the
 * baseline in the same run: the same page read from `ranked_agents`, which ranks the whole
 * environment with a window function on every call (what `leaderboard()` did before).
 * Every page compared is checked to be identical (ranks and order).
 *
 *   node --import tsx bench/sql_leaderboard.ts [agents=30000] [repetitions=20]
 */
import { benchDatabase, seedEligibleAgents } from "./_sql_db.ts";

const agents = Number(process.argv[2] ?? 30_000);
const reps = Number(process.argv[3] ?? 20);
const env = "bench-board";
const db = await benchDatabase(4);
const { sql } = db;

async function time(f: () => Promise<unknown>): Promise<string> {
  await f();
  const t = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return `${((performance.now() - t) / reps).toFixed(2)} ms`;
}

try {
  await seedEligibleAgents(sql, env, agents, 200);
  await sql`update agents set rating = 1000 + (random() * 40)::int * 25 where environment_id = ${env}`;
  await sql`vacuum analyze agents`;
  const windowPage = (limit: number, offset: number) => sql`
    select rank, agent_id from ranked_agents where environment_id = ${env}
    order by rating desc, games desc, lower(agent_name), agent_id limit ${limit} offset ${offset}`;
  const page = (limit: number, offset: number) => sql`select rank, agent_id from leaderboard(${env}, ${limit}, ${offset})`;
  const same = async (limit: number, offset: number) =>
    JSON.stringify((await page(limit, offset)).map((r) => [String(r.rank), r.agent_id])) ===
    JSON.stringify((await windowPage(limit, offset)).map((r) => [String(r.rank), r.agent_id]));
  const middle = Math.floor(agents / 2);
  for (const [l, o] of [[50, 0], [50, middle], [1000, 0]] as const) {
    if (!(await same(l, o))) throw new Error(`leaderboard(${l}, ${o}) differs from the window ranking`);
  }
  const [{ id }] = await sql`select agent_id as id from leaderboard(${env}, 1, ${middle})`;
  console.log(`${db.server}: ${agents} ranked agents; pages checked identical to the window ranking`);
  console.log(`top 50:            leaderboard() ${await time(() => page(50, 0))} | window baseline ${await time(() => windowPage(50, 0))}`);
  console.log(`50 at offset ${middle}: leaderboard() ${await time(() => page(50, middle))} | window baseline ${await time(() => windowPage(50, middle))}`);
  console.log(`one agent's rank:  agent_stats() ${await time(() => sql`select rank from agent_stats(${id})`)} | window baseline ${await time(() => sql`select rank from ranked_agents where agent_id = ${id}`)}`);
  console.log(`home page cards:   environment_overview ${await time(() => sql`select * from environment_overview where id = ${env}`)}`);
} finally {
  await db.close();
}
