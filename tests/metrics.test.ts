import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { createSql } from "../src/db/client.ts";
import { createLogger } from "../src/log.ts";
import { createApp } from "../src/web/app.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";

let db: TestDatabase;
const log = createLogger({ level: "error" });
const config = (extra: Record<string, string> = {}) => loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "rla-metrics-")), ...extra });

/** The value of one sample line `name{labels} value` in a Prometheus text body, 0 when absent. */
function sample(body: string, name: string, labels: Record<string, string>): number {
  for (const line of body.split("\n")) {
    if (!line.startsWith(name + "{")) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf("}"));
    const has = Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`));
    if (has) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

test.before(async () => {
  db = await createTestDatabase();
});
test.after(async () => {
  await db.drop();
});

test("/metrics is Prometheus text with process, queue and database metrics", async () => {
  const app = createApp({ sql: db.sql, log, config: config() });
  const res = await app.request("/metrics");
  assert.is(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
  const body = await res.text();
  assert.match(body, /^# HELP rla_process_/m);
  assert.match(body, /^rla_db_up 1$/m);
  // The test's pool is named like the process pool only when created by createSql with defaults.
  assert.match(body, /^rla_db_pool_connections\{state="in_use"\} \d+$/m);
  assert.match(body, /^rla_db_connections\{application="rl-arena[a-z-]*",state="[a-z ]+"\} \d+$/m);
  assert.match(body, /^rla_queue_jobs\{queue="match.run",state="waiting"\} \d+$/m);
  assert.match(body, /^rla_queue_oldest_job_age_seconds\{queue="submission.build"\} /m);
});

test("request durations are counted under the route pattern, never the raw path", async () => {
  const app = createApp({ sql: db.sql, log, config: config() });
  const before = await (await app.request("/metrics")).text();
  const health = sample(before, "rla_http_request_duration_seconds_count", { route: "/health", status_class: "2xx" });
  for (let i = 0; i < 3; i++) assert.is((await app.request("/health")).status, 200);
  await app.request(`/no/such/page/${crypto.randomUUID()}`);
  await app.request(`/agents/${crypto.randomUUID()}`);
  await app.request(`/agents/${crypto.randomUUID()}`);
  const after = await (await app.request("/metrics")).text();
  assert.is(sample(after, "rla_http_request_duration_seconds_count", { route: "/health", status_class: "2xx" }), health + 3);
  assert.ok(sample(after, "rla_http_request_duration_seconds_count", { route: "unmatched", status_class: "4xx" }) >= 1);
  assert.is(sample(after, "rla_http_request_duration_seconds_count", { route: "/agents/:id", status_class: "4xx" }), 2, "two unknown agents, one pattern");
  assert.not.match(after, /no\/such\/page/, "raw paths never become labels");
  assert.not.match(after, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/, "no ids in label values");
});

test("with METRICS_TOKEN set, /metrics needs the bearer token", async () => {
  const app = createApp({ sql: db.sql, log, config: config({ METRICS_TOKEN: "s3cret-token" }) });
  assert.is((await app.request("/metrics")).status, 401);
  assert.is((await app.request("/metrics", { headers: { Authorization: "Bearer wrong-token" } })).status, 401);
  const ok = await app.request("/metrics", { headers: { Authorization: "Bearer s3cret-token" } });
  assert.is(ok.status, 200);
  assert.match(await ok.text(), /rla_http_request_duration_seconds/);
});

test("the pool gauge counts this process's connections that are busy in a transaction", async () => {
  const pool = createSql(db.url, { max: 3 }); // the default application name carries our pid
  try {
    const app = createApp({ sql: pool, log, config: config() });
    const scrape = async () => (await app.request("/metrics")).text();
    let during = "";
    await pool.begin(async (tx) => {
      await tx`select 1`;
      during = await scrape(); // runs on another connection of the same pool
    });
    assert.is(sample(during, "rla_db_pool_connections", { state: "in_use" }), 1);
    const after = await scrape();
    assert.is(sample(after, "rla_db_pool_connections", { state: "in_use" }), 0);
    assert.ok(sample(after, "rla_db_pool_connections", { state: "idle" }) >= 1);
  } finally {
    await pool.end({ timeout: 5 });
  }
});

test.run();
