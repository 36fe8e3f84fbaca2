import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeAgent, makeUser, playMatch } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const owner = await makeUser(sql);

async function duel(a: { rating: number; games: number }, b: { rating: number; games: number }, winner: 0 | 1 | null) {
  const x = await makeAgent(sql, owner.id, a);
  const y = await makeAgent(sql, owner.id, b);
  const m = await insertMatch(sql, x, y);
  const row = await playMatch(sql, m, winner);
  const [ax] = await sql`select rating, wins, losses, draws, games from agents where id = ${x}`;
  const [ay] = await sql`select rating, wins, losses, draws, games from agents where id = ${y}`;
  return { row, ax, ay };
}

test("equal ratings, both K40, decisive: +20 / −20", async () => {
  const { row, ax, ay } = await duel({ rating: 1500, games: 0 }, { rating: 1500, games: 0 }, 0);
  assert.equal([row.player0_rating_change, row.player1_rating_change], [20, -20]);
  assert.equal([ax.rating, ay.rating], [1520, 1480]);
});

test("1600 vs 1400, both K24, draw: −6 / +6", async () => {
  const { row, ax, ay } = await duel({ rating: 1600, games: 25 }, { rating: 1400, games: 40 }, null);
  assert.equal([row.player0_rating_change, row.player1_rating_change], [-6, 6]);
  assert.equal([ax.rating, ay.rating], [1594, 1406]);
  assert.equal([ax.draws, ay.draws], [26, 41]);
});

test("1600 beats 1400, both K24: +6 / −6", async () => {
  const { row } = await duel({ rating: 1600, games: 20 }, { rating: 1400, games: 20 }, 0);
  assert.equal([row.player0_rating_change, row.player1_rating_change], [6, -6]);
});

test("a provisional agent (K40) beating an established one (K24) at equal ratings is not zero-sum: +20 / −12", async () => {
  const { row } = await duel({ rating: 1200, games: 0 }, { rating: 1200, games: 30 }, 0);
  assert.equal([row.player0_rating_change, row.player1_rating_change], [20, -12]);
});

test("the upset of an established favourite by a mid-K agent: 1400 (K32) beats 1600 (K24): +24 / −18", async () => {
  // E(1400 vs 1600) = 0.240253; 32·0.759747 = 24.31 → 24; 24·(0 − 0.759747) = −18.23 → −18
  const { row } = await duel({ rating: 1400, games: 15 }, { rating: 1600, games: 50 }, 0);
  assert.equal([row.player0_rating_change, row.player1_rating_change], [24, -18]);
});

test("K is chosen from the games played before the match: 9 → 40, 10 → 32, 19 → 32, 20 → 24", async () => {
  const rows = await sql`select g, elo_k('pong', g) as k from unnest(array[0, 9, 10, 19, 20, 500]) as g`;
  assert.equal(rows.map((r) => r.k), [40, 40, 32, 32, 24, 24]);
  const { row } = await duel({ rating: 1500, games: 9 }, { rating: 1500, games: 10 }, 0);
  assert.equal([row.player0_rating_change, row.player1_rating_change], [20, -16]);
});

test("the new rating is rounded half away from zero (K 25 at equal ratings: 1512.5 → 1513, 1487.5 → 1488)", async () => {
  await sql`select set_setting('k_factor_new', '25')`;
  try {
    const { row } = await duel({ rating: 1500, games: 0 }, { rating: 1500, games: 0 }, 1);
    assert.equal([row.player0_rating_change, row.player1_rating_change], [-12, 13]);
    const [r] = await sql`select elo_rating_after(1500, 1500, 1, 25) as up, elo_rating_after(1500, 1500, 0, 25) as down`;
    assert.equal([r.up, r.down], [1513, 1488]);
  } finally {
    await sql`select set_setting('k_factor_new', '40')`;
  }
});

test("a rating never goes below 0 and the stored change is the effective one", async () => {
  const { row, ax } = await duel({ rating: 10, games: 0 }, { rating: 10, games: 0 }, 1);
  assert.is(ax.rating, 0);
  assert.is(row.player0_rating_after, 0);
  assert.is(row.player0_rating_change, -10);
  const [h] = await sql`select rating_before, rating_after, change from rating_history where match_id = ${row.id} and agent_id = ${row.player0_agent_id}`;
  assert.equal([h.rating_before, h.rating_after, h.change], [10, 0, -10]);
});

test("elo_rating_after agrees with the formula on a grid of ratings, scores and K", async () => {
  const rows = await sql`
    select r, o, s, k, elo_rating_after(r, o, s, k) as got
    from unnest(array[0, 400, 1234, 1500, 2222]) r, unnest(array[100, 1499, 1501, 2800]) o,
         unnest(array[0, 0.5, 1]::numeric[]) s, unnest(array[24, 32, 40]) k`;
  for (const { r, o, s, k, got } of rows) {
    const e = 1 / (1 + 10 ** ((o - r) / 400));
    const x = r + k * (Number(s) - e);
    const want = Math.max(0, Math.sign(x) * Math.round(Math.abs(x)));
    assert.is(got, want, `R=${r} vs ${o}, S=${s}, K=${k}`);
  }
});

test.after(async () => {
  await db.drop();
});

test.run();
