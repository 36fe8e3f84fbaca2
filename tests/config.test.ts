import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../src/config.ts";

const dataDir = () => mkdtempSync(join(tmpdir(), "rla-config-"));

test("defaults give port 3000, the embedded database and every role", () => {
  const c = loadConfig({ DATA_DIR: dataDir() });
  assert.is(c.PORT, 3000);
  assert.is(c.DATABASE_URL, undefined);
  assert.is(c.ROLE, "all");
  assert.is(c.EXECUTOR, "local");
  assert.is(c.SANDBOX, "auto");
  assert.equal(c.ruleOverrides, {});
});

test("PORT=abc is refused with a message naming PORT and its value", () => {
  const e = assert.throws(() => loadConfig({ PORT: "abc", DATA_DIR: dataDir() }), (e: unknown) =>
    e instanceof ConfigError && /PORT="abc"/.test(e.message));
  void e;
});

test("a malformed DATABASE_URL is refused naming DATABASE_URL", () => {
  assert.throws(() => loadConfig({ DATABASE_URL: "localhost:5432/db", DATA_DIR: dataDir() }), (e: unknown) =>
    e instanceof ConfigError && e.message.includes("DATABASE_URL") && e.message.includes("postgres://"));
  assert.throws(() => loadConfig({ DATABASE_URL: "mysql://x/y", DATA_DIR: dataDir() }), /DATABASE_URL/);
});

test("production without JWT_SECRET is refused naming JWT_SECRET", () => {
  assert.throws(() => loadConfig({ NODE_ENV: "production", DATA_DIR: dataDir() }), (e: unknown) =>
    e instanceof ConfigError && /^JWT_SECRET: required when NODE_ENV=production/.test(e.message));
});

test("a short JWT_SECRET is refused, a long one is used as given", () => {
  assert.throws(() => loadConfig({ JWT_SECRET: "short", DATA_DIR: dataDir() }), /JWT_SECRET/);
  const secret = "x".repeat(40);
  assert.is(loadConfig({ NODE_ENV: "production", JWT_SECRET: secret, DATA_DIR: dataDir() }).JWT_SECRET, secret);
});

test("in development the JWT secret is generated once and kept in DATA_DIR", () => {
  const dir = dataDir();
  const first = loadConfig({ DATA_DIR: dir }).JWT_SECRET;
  assert.ok(first.length >= 32);
  assert.is(loadConfig({ DATA_DIR: dir }).JWT_SECRET, first);
  assert.is(readFileSync(join(dir, "jwt-secret"), "utf8").trim(), first);
});

test("unknown enum values name the variable and the allowed values", () => {
  assert.throws(() => loadConfig({ ROLE: "both", DATA_DIR: dataDir() }), (e: unknown) =>
    e instanceof ConfigError && /ROLE="both"/.test(e.message) && /worker/.test(e.message));
  assert.throws(() => loadConfig({ SANDBOX: "docker", DATA_DIR: dataDir() }), /SANDBOX/);
  assert.throws(() => loadConfig({ EXECUTOR: "nomad", DATA_DIR: dataDir() }), /EXECUTOR/);
});

test("several bad variables are all named in one message", () => {
  assert.throws(() => loadConfig({ PORT: "70000", MATCH_COOLDOWN_S: "-5", DATA_DIR: dataDir() }), (e: unknown) =>
    e instanceof ConfigError && e.message.includes("PORT") && e.message.includes("MATCH_COOLDOWN_S"));
});

test("rule overrides are collected under their setting keys", () => {
  const c = loadConfig({ MATCHMAKING_INTERVAL_S: "10", MATCH_COOLDOWN_S: "0", DAILY_MATCH_LIMIT: "7", DATA_DIR: dataDir() });
  assert.equal(c.ruleOverrides, { matchmaking_interval_s: 10, match_cooldown_s: 0, daily_match_limit: 7 });
});

test.run();
