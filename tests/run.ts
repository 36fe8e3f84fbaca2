/**
 * The test runner behind `npm test`.
 *
 * 1. Starts a PostgreSQL for the tests: the embedded cluster in DATA_DIR/pg-test, or the server
 *    named by TEST_DATABASE_URL.
 * 2. Builds a migrated template database once (our schema, pg-boss's schema and queues).
 * 3. Builds dist/ (`npm run build`) when a tests/system/ file is selected: those start the built
 *    platform as users do (tests/helpers/built_platform.ts).
 * 4. Runs every `*.test.ts(x)` under tests/ and env/test/ as its own process (uvu suites),
 *    a few at a time; each database test clones the template (tests/helpers/database.ts).
 *    Each process runs its file through tests/helpers/uvu_reporter.ts, which writes uvu's own
 *    counts to a JSON file: the totals are read from there, not parsed from printed text.
 * 5. Prints each file's output, then the plain line `N passed, N failed`, and exits non-zero
 *    on any failed test, a file that did not load, or a file that timed out.
 *
 * `npm test -- pong` runs only the files whose path contains "pong".
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import postgres from "postgres";
import { removeEmbeddedCluster, startEmbeddedPostgres, type EmbeddedCluster } from "../src/db/embedded.ts";
import { prepareDatabase } from "../src/db/prepare.ts";
import { createLogger } from "../src/log.ts";
import { PROJECT_ROOT } from "../src/paths.ts";
import { freePort } from "./helpers/ports.ts";
import type { FileResult } from "./helpers/uvu_reporter.ts";

const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_S ?? 600) * 1000;
const CONCURRENCY = Number(process.env.TEST_CONCURRENCY ?? 2);
const filters = process.argv.slice(2);

const files = [...findTests(join(PROJECT_ROOT, "tests")), ...findTests(join(PROJECT_ROOT, "env", "test"))]
  .map((f) => relative(PROJECT_ROOT, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

// The outside-in suites (tests/system/) run what users run: dist/main.js, built here once per run.
if (files.some((f) => f.startsWith(join("tests", "system"))) && process.env.RLA_TEST_SKIP_BUILD !== "1") {
  const built = spawnSync("npm", ["run", "build"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (built.status !== 0) {
    console.log(`npm run build failed (exit ${built.status}); the system tests cannot run:\n${built.stdout}${built.stderr}`);
    console.log(`0 passed, ${files.length} failed`);
    process.exit(1);
  }
}

const log = createLogger({ level: "warn" });
let cluster: EmbeddedCluster | null = null;
let adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  // A cluster per run (its own folder and a free port), so several runs can share a machine.
  const root = join(PROJECT_ROOT, ".data", "pg-test");
  await removeDeadClusters(root);
  cluster = await startEmbeddedPostgres(join(root, String(process.pid)), await freePort());
  for (const note of cluster.notes) console.log(`embedded PostgreSQL: ${note}`);
  adminUrl = cluster.adminUrl;
}
const template = `rla_template_${process.pid}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const [{ version }] = await admin`select current_setting('server_version') as version`;
await dropLeftovers();
await admin.unsafe(`create database ${template}`);
const templateUrl = withDatabase(adminUrl, template);
await prepareDatabase(templateUrl, log);
console.log(`PostgreSQL ${version} at ${new URL(adminUrl).host}${cluster ? " (embedded)" : ""}; ${files.length} test files`);

let passed = 0;
let failed = 0;
const queue = [...files];
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await runFile(file);
    passed += r.passed;
    failed += r.failed;
  }
}));

await dropLeftovers();
await admin.end({ timeout: 5 });
await cluster?.stop();
if (cluster) await removeEmbeddedCluster(join(PROJECT_ROOT, ".data", "pg-test", String(process.pid)));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);

async function runFile(file: string): Promise<{ passed: number; failed: number }> {
  const started = Date.now();
  const resultDir = mkdtempSync(join(tmpdir(), "rla-test-result-"));
  const resultPath = join(resultDir, "result.json");
  const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/uvu_reporter.ts", file, resultPath], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, FORCE_COLOR: "0", RLA_TEST_ADMIN_URL: adminUrl, RLA_TEST_TEMPLATE: template },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so a timeout kills everything it started
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid!, "SIGKILL"); } catch { /* already gone */ }
  }, FILE_TIMEOUT_MS);
  const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  clearTimeout(timer);
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const result = readResult(resultPath);
  rmSync(resultDir, { recursive: true, force: true });
  const ok = result?.passed ?? 0;
  let bad = result ? result.total - result.passed : 0; // uvu's total counts the tests it ran, not the skipped
  let note = "";
  if (timedOut) { bad += 1; note = ` — timed out after ${FILE_TIMEOUT_MS / 1000} s`; }
  else if (!result) { bad += 1; note = ` — exited with code ${code} before uvu finished (did not load, or crashed)`; }
  else if (code !== 0 && bad === 0) { bad += 1; note = ` — exited with code ${code} after its tests passed`; }
  else if (result.total === 0) { bad += 1; note = " — ran no tests"; }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n── ${file} (${seconds} s): ${ok} passed, ${bad} failed${note}\n${bad ? plain : summaryOnly(plain)}`);
  return { passed: ok, failed: bad };
}

function summaryOnly(text: string): string {
  return text.split("\n").filter((l) => l.trim() && !/^\s*(Total|Passed|Skipped|Duration):/.test(l)).slice(-3).join("\n") + "\n";
}

/** The counts uvu_reporter.ts wrote, or null when the file died before uvu finished. */
function readResult(path: string): FileResult | null {
  try { return JSON.parse(readFileSync(path, "utf8")) as FileResult; } catch { return null; }
}

function findTests(dir: string): string[] {
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return []; }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name.startsWith(".")) return [];
    if (statSync(path).isDirectory()) return findTests(path);
    return /\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = "/" + name;
  return u.toString();
}

/** Databases of this run and of killed runs are dropped; those of runs still alive are kept. */
async function dropLeftovers(): Promise<void> {
  const rows = await admin`select datname from pg_database where datname ~ '^rla_(t|template)_[0-9]+'`;
  for (const { datname } of rows) {
    const pid = Number(/^rla_(?:t|template)_(\d+)/.exec(datname)![1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    await admin.unsafe(`drop database if exists "${datname}" with (force)`).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Clusters of killed runs (and their password files, and their homes under /var/lib/rl-arena) go. */
async function removeDeadClusters(root: string): Promise<void> {
  let names: string[] = [];
  try { names = readdirSync(root); } catch { return; }
  for (const name of names) {
    const pid = Number(/^(\d+)(-password)?$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    await removeEmbeddedCluster(join(root, String(pid)));
  }
}
