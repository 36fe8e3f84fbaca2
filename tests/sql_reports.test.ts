import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PgBoss } from "pg-boss";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SQL_DIR } from "../src/paths.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { archive, atTime, insertMatch, makeAgent, makeUser, outcome, playMatch } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const dir = join(SQL_DIR, "reports");
const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
const run = (name: string) => sql.unsafe(readFileSync(join(dir, name), "utf8"));

// Data for the reports: finished, forfeited and failed matches, builds, rating changes, a dead letter.
const alice = await makeUser(sql, { name: "report_alice" });
const bob = await makeUser(sql, { name: "report_bob" });
const a = await makeAgent(sql, alice.id, { name: "ra", rating: 1530 });
const b = await makeAgent(sql, bob.id, { name: "rb", rating: 1470 });
const c = await makeAgent(sql, bob.id, { name: "rc", rating: 1000 });
await playMatch(sql, await insertMatch(sql, a, b), 0);
const forfeit = await insertMatch(sql, a, b);
await sql`select start_match(${forfeit})`;
await sql`select finish_match(${forfeit}, ${sql.json(outcome(1, { end_reason: "timeout" }) as never)})`;
await sql`select fail_match(${await insertMatch(sql, a, c)}, 'executor lost')`;
const [sub] = await sql`select * from create_submission(${alice.id}, ${a}, 'python', 'main.py', ${archive()}, 'a.zip')`;
await atTime(sql, new Date(Date.now() - 20_000), (tx) => tx`select start_build(${sub.id})`);
await sql`select finish_build(${sub.id}, true, null, null, 'ok', null)`;

test("every report has a title and a purpose line and is a single query", () => {
  assert.ok(files.length >= 7, files.join(", "));
  for (const f of files) {
    const text = readFileSync(join(dir, f), "utf8");
    assert.match(text, /^-- title: \S.*\n-- purpose: \S.*\n/, f);
    const body = text.replace(/--.*$/gm, "").trim().replace(/;$/, "");
    assert.not.ok(body.includes(";"), `${f} has more than one statement`);
  }
});

test("every report runs against a database with data", async () => {
  for (const f of files) await run(f);
});

test("matches per day counts ended matches with failure and forfeit rates", async () => {
  const [row] = await run("matches_per_day.sql");
  assert.equal([row.environment, Number(row.ended), Number(row.completed), Number(row.failed), Number(row.forfeits)], ["pong", 3, 2, 1, 1]);
  assert.is(Number(row.failure_rate_pct), 33.3);
  assert.is(Number(row.forfeit_rate_pct), 50);
});

test("the build report counts the uploaded build and its time, not the built-in versions", async () => {
  const [row] = await run("build_success.sql");
  assert.equal([Number(row.builds), Number(row.succeeded), Number(row.success_rate_pct)], [1, 1, 100]);
  assert.ok(Number(row.median_build_s) >= 19, String(row.median_build_s));
});

test("rating movers list the agents whose rating changed in the last 24 h", async () => {
  const rows = await run("rating_movers.sql");
  assert.equal(rows.map((r) => r.agent).sort(), ["ra", "rb"]);
  const ra = rows.find((r) => r.agent === "ra")!;
  assert.is(ra.rating_24h_ago, 1530);
  assert.is(Number(ra.matches), 2);
});

test("rating bands and queue health reflect the agents", async () => {
  const bands = await run("rating_bands.sql");
  assert.is(bands.filter((r) => r.environment === "pong").reduce((n, r) => n + Number(r.agents), 0), 3);
  const [pong] = (await run("queue_health.sql")).filter((r) => r.environment === "pong");
  assert.is(Number(pong.eligible_waiting), 1, "only rc, which had no completed match, is off cooldown");
  assert.is(Number(pong.pending_matches), 0);
});

test("most active users ranks by matches played in the last 7 days", async () => {
  const rows = await run("most_active_users.sql");
  assert.equal(rows.slice(0, 2).map((r) => [r.username, Number(r.matches_7d)]), [["report_alice", 2], ["report_bob", 2]]);
  assert.is(Number(rows.find((r) => r.username === "report_alice")!.submissions_7d), 1);
});

test("the dead-letter report shows a job pg-boss dead-lettered after its last retry", async () => {
  const boss = new PgBoss({ connectionString: db.url, max: 2, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  try {
    await boss.send("match.run", { matchId: "report-test" }, { retryLimit: 0 });
    const [job] = await boss.fetch("match.run");
    await boss.fail("match.run", job.id, { message: "sandbox exploded" });
  } finally {
    await boss.stop({ graceful: false, close: true } as never).catch(() => {});
  }
  const rows = await run("dead_letters.sql");
  assert.is(rows.length, 1);
  assert.is(rows[0].queue, "match.run");
  assert.equal(rows[0].data, { matchId: "report-test" });
  assert.match(rows[0].last_error, /sandbox exploded/);
});

test.after(async () => {
  await db.drop();
});

test.run();
