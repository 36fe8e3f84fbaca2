import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { atTime, expectCode, unique } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase({ max: 20 });
const sql = db.sql;
const T = "2033-01-01T00:00:00Z";
const at = (s: number) => new Date(Date.parse(T) + s * 1000).toISOString();
const take = (key: string, when: string, cap = 5, per = 60) =>
  atTime(sql, when, async (tx) => (await tx`select * from take_token(${key}, ${cap}, ${per})`)[0]);

test("a full bucket allows capacity requests, then refuses with the time until the next token", async () => {
  const key = unique("login:ip:");
  const results = [];
  for (let i = 0; i < 6; i++) results.push(await take(key, T));
  assert.equal(results.map((r) => [r.allowed, r.remaining]), [[true, 4], [true, 3], [true, 2], [true, 1], [true, 0], [false, 0]]);
  assert.is(Number(results[5].retry_after_s), 12);
});

test("tokens refill continuously at capacity / period", async () => {
  const key = unique("upload:user:");
  for (let i = 0; i < 5; i++) await take(key, T);
  assert.is((await take(key, at(11.9))).allowed, false);
  const r = await take(key, at(12));
  assert.equal([r.allowed, r.remaining], [true, 0]);
  const full = await take(key, at(1000));
  assert.equal([full.allowed, full.remaining], [true, 4], "the bucket never holds more than its capacity");
});

test("keys are independent", async () => {
  const a = unique("replay:ip:");
  const b = unique("replay:ip:");
  for (let i = 0; i < 5; i++) await take(a, T);
  assert.is((await take(a, T)).allowed, false);
  assert.is((await take(b, T)).allowed, true);
});

test("concurrent requests on one key never take more tokens than the bucket holds", async () => {
  const key = unique("burst:");
  const results = await Promise.all(Array.from({ length: 40 }, () => sql`select * from take_token(${key}, 10, 3600)`));
  assert.is(results.filter(([r]) => r.allowed).length, 10);
});

test("bad limits are RLA01", async () => {
  await expectCode(sql`select * from take_token('k', 0, 60)`, "RLA01");
  await expectCode(sql`select * from take_token('k', 5, 0)`, "RLA01");
  await expectCode(sql`select * from take_token('', 5, 60)`, "RLA01");
});

test("housekeeping deletes idle buckets", async () => {
  const key = unique("idle:");
  await take(key, T);
  const [{ h }] = await atTime(sql, at(7200), (tx) => tx`select housekeeping() as h`);
  assert.ok(h.deletedRateLimitBuckets >= 1);
  assert.is((await sql`select 1 from rate_limit_buckets where key = ${key}`).length, 0);
});

test.after(async () => {
  await db.drop();
});

test.run();
