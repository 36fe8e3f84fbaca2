import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { archive, atTime, expectCode, listenEvents, makeAgent, makeUser, waitFor, type Q } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase();
const sql = db.sql;

async function submit(q: Q, caller: string, agent: string): Promise<Record<string, any>> {
  const [s] = await q`select * from create_submission(${caller}, ${agent}, 'python', 'main.py', ${archive()}, 'agent.tar.gz')`;
  return s;
}

async function buildOk(q: Q, id: string): Promise<Record<string, any>> {
  await q`select start_build(${id})`;
  const [s] = await q`select * from finish_build(${id}, true, null, null, 'built', null)`;
  return s;
}

test("create_submission stores a pending version with its hash and size and enqueues one submission.build job", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const bytes = archive();
  const [s] = await sql`select * from create_submission(${u.id}, ${a}, null, null, ${bytes}, 'a.zip')`;
  assert.is(s.status, "pending");
  assert.is(s.version, 1);
  assert.is(s.archive_size, bytes.length);
  assert.is(s.archive_sha256, (await import("node:crypto")).createHash("sha256").update(bytes).digest("hex"));
  assert.ok(Buffer.from(s.archive).equals(bytes));
  const jobs = await sql`select data, state, retry_limit, dead_letter from pgboss.job where name = 'submission.build' and data->>'submissionId' = ${s.id}`;
  assert.is(jobs.length, 1);
  assert.is(jobs[0].state, "created");
  assert.is(jobs[0].dead_letter, "dead-letter");
});

test("versions count up per agent without gaps or duplicates when uploads race", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  await sql`select set_setting('submission_daily_quota', '50')`;
  try {
    const rows = await Promise.all(Array.from({ length: 12 }, () => submit(sql, u.id, a)));
    assert.equal(rows.map((r) => r.version).sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i + 1));
  } finally {
    await sql`select set_setting('submission_daily_quota', '5')`;
  }
});

test("the sixth submission of a UTC day is refused with RLA41 and a retry hint; the next UTC day is allowed again", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  for (let i = 0; i < 5; i++) await atTime(sql, "2030-05-01T00:00:00Z", (tx) => submit(tx, u.id, a));
  const err = await expectCode(atTime(sql, "2030-05-01T23:59:59Z", (tx) => submit(tx, u.id, a)), "RLA41", /5 submissions for 2030-05-01/);
  assert.is(err.hint, "retry_after_s=1");
  const next = await atTime(sql, "2030-05-02T00:00:00Z", (tx) => submit(tx, u.id, a));
  assert.is(next.version, 6);
});

test("the quota is per agent, not per user, and rebuilds do not count", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const b = await makeAgent(sql, u.id, { active: false });
  const first = await atTime(sql, "2030-06-01T10:00:00Z", (tx) => submit(tx, u.id, a));
  await atTime(sql, "2030-06-01T10:00:00Z", async (tx) => {
    await tx`select start_build(${first.id})`;
    await tx`select finish_build(${first.id}, false, null, null, 'log', 'syntax error')`;
  });
  for (let i = 0; i < 4; i++) await atTime(sql, "2030-06-01T11:00:00Z", (tx) => submit(tx, u.id, a));
  await atTime(sql, "2030-06-01T12:00:00Z", (tx) => tx`select rebuild_submission(${u.id}, ${first.id})`);
  await expectCode(atTime(sql, "2030-06-01T12:00:00Z", (tx) => submit(tx, u.id, a)), "RLA41");
  await atTime(sql, "2030-06-01T12:00:00Z", (tx) => submit(tx, u.id, b));
});

test("create_submission checks the caller, the language, the size limit and disabled agents", async () => {
  const u = await makeUser(sql);
  const stranger = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  const a = await makeAgent(sql, u.id, { active: false });
  await expectCode(submit(sql, stranger.id, a), "RLA14");
  await expectCode(sql`select create_submission(${u.id}, ${a}, 'rust', 'main.rs', ${archive()}, 'a.zip')`, "RLA01", /rust/);
  await expectCode(sql`select create_submission(${u.id}, ${a}, 'python', 'main.py', ${Buffer.alloc(0)}, 'a.zip')`, "RLA01", /empty/);
  await sql`select set_setting('archive_max_bytes', '100')`;
  try {
    await expectCode(sql`select create_submission(${u.id}, ${a}, 'python', 'main.py', ${Buffer.alloc(101, 1)}, 'a.zip')`, "RLA43", /101 bytes/);
  } finally {
    await sql`select set_setting('archive_max_bytes', '10485760')`;
  }
  await sql`select set_agent_disabled(${admin.id}, ${a}, true)`;
  await expectCode(submit(sql, u.id, a), "RLA32");
  await expectCode(sql`select create_submission(${u.id}, gen_random_uuid(), 'python', 'main.py', ${archive()}, 'a.zip')`, "RLA30");
});

test("a successful build becomes the agent's active version and the previous active one becomes inactive", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const s1 = await buildOk(sql, (await submit(sql, u.id, a)).id);
  assert.is(s1.status, "active");
  assert.is(s1.build_log, "built");
  assert.ok(s1.finished_at instanceof Date);
  const s2 = await buildOk(sql, (await submit(sql, u.id, a)).id);
  const rows = await sql`select id, status from submissions where agent_id = ${a} order by version`;
  assert.equal(rows.map((r) => r.status), ["inactive", "active"]);
  const [agent] = await sql`select active_submission_id, active_since from agents where id = ${a}`;
  assert.is(agent.active_submission_id, s2.id);
  assert.ok(agent.active_since instanceof Date);
});

test("finish_build records language and entry found by the build, and refuses success without them", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const [s] = await sql`select * from create_submission(${u.id}, ${a}, null, null, ${archive()}, 'a.zip')`;
  await sql`select start_build(${s.id})`;
  await expectCode(sql`select finish_build(${s.id}, true, null, 'main.py', '', null)`, "RLA01", /language/);
  await expectCode(sql`select finish_build(${s.id}, true, 'node', null, '', null)`, "RLA01", /entry/);
  const [done] = await sql`select * from finish_build(${s.id}, true, 'node', 'main.mjs', '', null)`;
  assert.is(done.language, "node");
  assert.is(done.entry, "main.mjs");
});

test("a failed build keeps the previous active version and stores the error and a capped log", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const good = await buildOk(sql, (await submit(sql, u.id, a)).id);
  const bad = await submit(sql, u.id, a);
  await sql`select start_build(${bad.id})`;
  await sql`select set_setting('log_cap_bytes', '1000')`;
  try {
    const [f] = await sql`select * from finish_build(${bad.id}, false, null, null, ${"é".repeat(5000)}, 'entry main.py not found')`;
    assert.is(f.status, "failed");
    assert.is(f.error, "entry main.py not found");
    assert.ok(Buffer.byteLength(f.build_log) <= 1000, `log is ${Buffer.byteLength(f.build_log)} bytes`);
    assert.match(f.build_log, /truncated/);
  } finally {
    await sql`select set_setting('log_cap_bytes', '1048576')`;
  }
  const [agent] = await sql`select active_submission_id from agents where id = ${a}`;
  assert.is(agent.active_submission_id, good.id);
});

test("illegal build transitions are refused with RLA42 and a retried start_build is allowed", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const s = await submit(sql, u.id, a);
  await expectCode(sql`select finish_build(${s.id}, true, null, null, '', null)`, "RLA42", /it is pending/);
  await sql`select start_build(${s.id})`;
  const [again] = await sql`select status from start_build(${s.id})`;
  assert.is(again.status, "building");
  await buildOk(sql, s.id);
  await expectCode(sql`select start_build(${s.id})`, "RLA42", /it is active/);
  await expectCode(sql`select finish_build(${s.id}, false, null, null, '', 'x')`, "RLA42");
  await expectCode(sql`select rebuild_submission(${u.id}, ${s.id})`, "RLA42", /activate another version first/);
  const p = await submit(sql, u.id, a);
  await expectCode(sql`select rebuild_submission(${u.id}, ${p.id})`, "RLA42", /pending/);
  await expectCode(sql`select activate_submission(${u.id}, ${p.id})`, "RLA44");
  await expectCode(sql`select start_build(gen_random_uuid())`, "RLA40");
});

test("activate_submission brings back an earlier built version; failed ones cannot be activated", async () => {
  const u = await makeUser(sql);
  const stranger = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const v1 = await buildOk(sql, (await submit(sql, u.id, a)).id);
  await buildOk(sql, (await submit(sql, u.id, a)).id);
  const v3 = await submit(sql, u.id, a);
  await sql`select start_build(${v3.id})`;
  await sql`select finish_build(${v3.id}, false, null, null, '', 'boom')`;
  await expectCode(sql`select activate_submission(${stranger.id}, ${v1.id})`, "RLA14");
  const [r] = await sql`select * from activate_submission(${u.id}, ${v1.id})`;
  assert.is(r.status, "active");
  const rows = await sql`select status from submissions where agent_id = ${a} order by version`;
  assert.equal(rows.map((x) => x.status), ["active", "inactive", "failed"]);
  const [again] = await sql`select status from activate_submission(${u.id}, ${v1.id})`;
  assert.is(again.status, "active");
  await expectCode(sql`select activate_submission(${u.id}, ${v3.id})`, "RLA44", /failed/);
  assert.is((await sql`select count(*)::int as n from submissions where agent_id = ${a} and status = 'active'`)[0].n, 1);
});

test("rebuild_submission sends a failed version back to pending with a fresh job", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const s = await submit(sql, u.id, a);
  await sql`select start_build(${s.id})`;
  await sql`select finish_build(${s.id}, false, null, null, 'log', 'boom')`;
  const [r] = await sql`select * from rebuild_submission(${u.id}, ${s.id})`;
  assert.is(r.status, "pending");
  assert.is(r.error, null);
  assert.is(r.build_log, null);
  const jobs = await sql`select 1 from pgboss.job where name = 'submission.build' and data->>'submissionId' = ${s.id}`;
  assert.is(jobs.length, 2);
});

test("create_builtin_submission makes an active built-in version that needs no build", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const [s] = await sql`select * from create_builtin_submission(${a}, 'tracker')`;
  assert.is(s.status, "active");
  assert.is(s.language, "builtin");
  assert.is(s.archive, null);
  await expectCode(sql`select rebuild_submission(${u.id}, ${s.id})`, "RLA42");
  await expectCode(sql`select create_builtin_submission(${a}, '')`, "RLA01");
});

test("every status change notifies submission.status with the owner's id", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id, { active: false });
  const listener = await listenEvents(sql);
  try {
    const s = await submit(sql, u.id, a);
    await buildOk(sql, s.id);
    await waitFor(() => listener.events.filter((e) => e.submissionId === s.id).length >= 3);
    const mine = listener.events.filter((e) => e.type === "submission.status" && e.submissionId === s.id);
    assert.equal(mine.map((e) => e.status), ["pending", "building", "active"]);
    assert.is(mine[0].ownerId, u.id);
    assert.is(mine[0].agentId, a);
  } finally {
    await listener.stop();
  }
});

test("build logs are readable by the owner and admins only", async () => {
  const u = await makeUser(sql);
  const stranger = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  const a = await makeAgent(sql, u.id, { active: false });
  const s = await buildOk(sql, (await submit(sql, u.id, a)).id);
  const [mine] = await sql`select build_log from submission_build_log(${u.id}, ${s.id})`;
  assert.is(mine.build_log, "built");
  await sql`select build_log from submission_build_log(${admin.id}, ${s.id})`;
  await expectCode(sql`select * from submission_build_log(${stranger.id}, ${s.id})`, "RLA14");
  const list = await sql`select * from submission_list where agent_id = ${a}`;
  assert.is(list[0].is_active, true);
  assert.not.ok("archive" in list[0]);
});

test("submission_list_with_logs lists with build logs only the rows the viewer may read", async () => {
  const u = await makeUser(sql);
  const stranger = await makeUser(sql);
  const admin = await makeUser(sql, { admin: true });
  const a = await makeAgent(sql, u.id, { active: false });
  const s = await buildOk(sql, (await submit(sql, u.id, a)).id);
  const rows = async (viewer: string) => sql`select id, build_log, is_active from submission_list_with_logs(${viewer}) where agent_id = ${a}`;
  const own = await rows(u.id);
  assert.equal(own.map((r) => [r.id, r.build_log, r.is_active]), [[s.id, "built", true]]);
  assert.equal((await rows(admin.id)).map((r) => r.build_log), ["built"]);
  assert.is((await rows(stranger.id)).length, 0, "another user's logs stay private: no rows");
  await sql`update users set disabled = true where id = ${admin.id}`;
  assert.is((await rows(admin.id)).length, 0, "a disabled admin reads nothing");
  assert.is((await rows("00000000-0000-0000-0000-000000000000")).length, 0);
});

test("build_activity counts builds that succeeded and failed within the window and the submissions waiting now", async () => {
  // Setup: one build succeeds, one fails, one waits.
  const u = await makeUser(sql);
  const agent = await makeAgent(sql, u.id, { active: false });
  const [before] = await sql`select * from build_activity(interval '1 hour')`;
  await buildOk(sql, (await submit(sql, u.id, agent)).id);
  const failed = await submit(sql, u.id, agent);
  await sql`select start_build(${failed.id})`;
  await sql`select finish_build(${failed.id}, false, null, null, 'log', 'boom')`;
  await submit(sql, u.id, agent);
  // Action
  const [now] = await sql`select * from build_activity(interval '1 hour')`;
  const later = await atTime(sql, new Date(Date.now() + 2 * 3600_000), async (tx) => (await tx`select * from build_activity(interval '1 hour')`)[0]!);
  // Assertions
  assert.equal([now.built - before.built, now.failed - before.failed, now.waiting - before.waiting], [1, 1, 1]);
  assert.equal([later.built, later.failed, later.waiting], [0, 0, now.waiting], "two hours on, only the waiting one still counts");
});

test.after(async () => {
  await db.drop();
});

test.run();
