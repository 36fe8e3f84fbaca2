import { PgBoss } from "pg-boss";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { archive, expectCode, makeAgent, makeEnvironment, makeUser } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;
const boss = new PgBoss({ connectionString: db.url, max: 3, supervise: false, schedule: false });
boss.on("error", () => {});
await boss.start();

const COMPARED = [
  "name", "priority", "state", "retry_limit", "retry_count", "retry_delay", "retry_backoff", "retry_delay_max",
  "expire_seconds", "deletion_seconds", "singleton_key", "singleton_on", "group_id", "policy", "dead_letter",
  "heartbeat_seconds", "blocked", "blocking", "pending_dependencies",
];

for (const queue of ["match.run", "submission.build"]) {
  test(`a job enqueued from SQL on ${queue} has the same columns as one sent by pg-boss`, async () => {
    const sent = await boss.send(queue, { via: "send" });
    await sql`select enqueue_job(${queue}, ${sql.json({ via: "sql" })})`;
    const [a] = await sql`select * from pgboss.job where id = ${sent!}`;
    const [b] = await sql`select * from pgboss.job where name = ${queue} and data->>'via' = 'sql'`;
    for (const column of COMPARED) assert.equal(b[column], a[column], column);
    const retention = (x: Record<string, any>) => x.keep_until.getTime() - x.start_after.getTime();
    assert.is(retention(b), retention(a));
    assert.ok(Math.abs(b.start_after.getTime() - Date.now()) < 60_000);
    await sql`delete from pgboss.job where name = ${queue}`;
  });
}

test("a match.run job created by pair_agents is received by a real pg-boss worker", async () => {
  const env = await makeEnvironment(sql);
  const owner = await makeUser(sql);
  await makeAgent(sql, owner.id, { environment: env });
  await makeAgent(sql, owner.id, { environment: env });
  const [m] = await sql`select * from pair_agents(${env})`;
  const received = new Promise<{ matchId: string }>((resolve) => {
    void boss.work<{ matchId: string }>("match.run", { pollingIntervalSeconds: 0.5 }, async ([job]) => resolve(job.data));
  });
  const data = await Promise.race([received, new Promise((_, reject) => setTimeout(() => reject(new Error("no job within 10 s")), 10_000))]);
  assert.equal(data, { matchId: m.id });
  await boss.offWork("match.run");
});

test("a submission.build job created by create_submission can be fetched, and a rolled-back upload leaves no job", async () => {
  const owner = await makeUser(sql);
  const agent = await makeAgent(sql, owner.id, { active: false });
  const [s] = await sql`select * from create_submission(${owner.id}, ${agent}, 'python', 'main.py', ${archive()}, 'a.zip')`;
  const jobs = await boss.fetch<{ submissionId: string }>("submission.build", { batchSize: 10 });
  assert.equal(jobs.map((j) => j.data), [{ submissionId: s.id }]);
  await boss.complete("submission.build", jobs.map((j) => j.id));
  await sql.begin(async (tx) => {
    await tx`select create_submission(${owner.id}, ${agent}, 'python', 'main.py', ${archive()}, 'b.zip')`;
    await tx`select 1/0`;
  }).catch(() => {});
  assert.is((await boss.fetch("submission.build", { batchSize: 10 })).length, 0);
});

test("on a \"short\" queue a second queued job is dropped, as boss.send drops it", async () => {
  const queue = "test.short";
  await boss.createQueue(queue, { policy: "short" });
  const sent = await boss.send(queue, { via: "send" });
  const refused = await boss.send(queue, { via: "send again" });
  const [{ n }] = await sql`select enqueue_jobs(${queue}, ${[{ via: "sql" }, { via: "sql 2" }] as never}::jsonb[]) as n`;
  assert.ok(sent);
  assert.is(refused, null, "pg-boss refuses a second queued job on a short queue");
  assert.is(n, 0, "so does enqueue_jobs");
  assert.is((await sql`select count(*)::int as n from pgboss.job where name = ${queue}`)[0].n, 1);
  await boss.deleteQueue(queue);
});

test("jobs enqueued together get time-ordered ids in payload order (uuid_v7)", async () => {
  const payloads = Array.from({ length: 40 }, (_, i) => ({ n: i }));
  await sql`select enqueue_jobs('submission.build', ${payloads as never}::jsonb[])`;
  const rows = await sql`select id::text, (data->>'n')::int as n, created_on from pgboss.job where name = 'submission.build' and data ? 'n' order by id`;
  assert.equal(rows.map((r) => r.n), payloads.map((p) => p.n), "sorted by id they are in payload order");
  for (const r of rows) {
    assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "version 7, RFC 9562 variant");
    assert.is(parseInt(r.id.replace(/-/g, "").slice(0, 12), 16), Math.floor(r.created_on.getTime()), "the id starts with the creation time in ms");
  }
  await sql`delete from pgboss.job where name = 'submission.build' and data ? 'n'`;
});

test("enqueueing on a queue that does not exist is RLA03", async () => {
  await expectCode(sql`select enqueue_job('no.such.queue', '{}')`, "RLA03", /no such pg-boss queue/);
  const [{ n }] = await sql`select enqueue_jobs('match.run', '{}'::jsonb[]) as n`;
  assert.is(n, 0);
});

test("job_queue_stats counts each queue's waiting jobs and the age of its oldest", async () => {
  // Setup: one more waiting job on match.run than before.
  const [before] = await sql`select * from job_queue_stats() where queue = 'match.run'`;
  await sql`select enqueue_job('match.run', ${sql.json({ via: "stats" })})`;
  // Action
  const stats = await sql`select * from job_queue_stats()`;
  // Assertions
  const run = stats.find((s) => s.queue === "match.run")!;
  assert.is(run.waiting, before!.waiting + 1);
  assert.ok(run.oldest_waiting_s >= 0);
  assert.ok(stats.some((s) => s.queue === "submission.build"), "every queue has a row, jobs or not");
});

test("newest_jobs lists a queue's newest jobs first, with their data as text", async () => {
  // Setup
  await sql`select enqueue_job('dead-letter', ${sql.json({ n: 1 })})`;
  await sql`select enqueue_job('dead-letter', ${sql.json({ n: 2 })})`;
  // Action
  const rows = await sql`select * from newest_jobs('dead-letter', 1)`;
  // Assertions
  assert.is(rows.length, 1);
  assert.equal(JSON.parse(rows[0]!.data), { n: 2 });
  assert.ok(rows[0]!.created_on instanceof Date);
});

test.after(async () => {
  await boss.stop({ graceful: false, close: true } as never).catch(() => {});
  await db.drop();
});

test.run();
