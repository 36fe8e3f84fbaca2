/**
 * A worker whose DATA_DIR the agents' uids cannot enter (mktemp -d makes it 0700). Before the
 * fix every match there "completed" as a crash of both agents within milliseconds, and ratings
 * moved. Now a sandbox that cannot start an agent is a platform failure (match failed, no
 * rating change), and the worker's boot check opens DATA_DIR for the agents (o+x) or, when a
 * folder above it is not the platform's, refuses to start naming the folder and the fix.
 * Real bubblewrap, real PostgreSQL; the uid-specific parts need the platform to run as root.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalExecutor, play } from "../src/executor/local/executor.ts";
import { prepareRuntime } from "../src/executor/local/runtime.ts";
import { initSandbox, sandboxLaunch } from "../src/executor/local/sandbox.ts";
import { ensureAgentsCanReach } from "../src/executor/local/sandbox_reach.ts";
import { submissionsRoot } from "../src/executor/submission_files.ts";
import { PlatformError, type MatchSpec, type SeatSpec } from "../src/executor/types.ts";
import { runMatchJob } from "../src/jobs/match_worker.ts";
import { createLogger } from "../src/log.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeUser } from "./helpers/sql_fixtures.ts";
import { quietLog } from "./fixtures/engine.ts";

const status = await initSandbox("bwrap", quietLog);
const db = await createTestDatabase();
const { sql } = db;
// What `mktemp -d` gives an operator: a folder only its owner may enter.
const dataDir = mkdtempSync(join(tmpdir(), "rla-reach-"));
const executor = createLocalExecutor({ dataDir, sql, log: quietLog, concurrency: 1 });
const owner = await makeUser(sql);

async function builtinAgent(name: string): Promise<string> {
  const [a] = await sql<{ id: string }[]>`select id from create_agent(${owner.id}, 'pong', ${name}, '')`;
  await sql`select create_builtin_submission(${a!.id}, 'pong-tracker')`;
  return a!.id;
}
const left = await builtinAgent("left");
const right = await builtinAgent("right");

async function playOne(): Promise<{ outcome: string; match: Record<string, unknown>; agents: Array<{ rating: number; games: number }> }> {
  const matchId = await insertMatch(sql, left, right);
  const outcome = await runMatchJob({ sql, executor, log: quietLog }, { id: `job-${matchId}`, data: { matchId }, signal: new AbortController().signal });
  const [match] = await sql`select status, end_reason, error, player0_rating_change, player1_rating_change from matches where id = ${matchId}`;
  const agents = await sql<{ rating: number; games: number }[]>`select rating, games from agents where id in (${left}, ${right}) order by name`;
  return { outcome, match: match!, agents: [...agents] };
}

test("a sandbox that cannot reach the agents' runtime makes the match a platform failure: failed, no rating change", async () => {
  if (!status.separateUids) return; // agents run as the platform's uid, which can enter its own folder
  const before = await sql<{ rating: number; games: number }[]>`select rating, games from agents where id in (${left}, ${right}) order by name`;
  const r = await playOne();
  assert.is(r.outcome, "failed");
  assert.is(r.match.status, "failed");
  assert.is(r.match.end_reason, null);
  assert.match(String(r.match.error), /sandbox could not start the agent, before any of its code ran \(bwrap: Can't find source path .*Permission denied\)/);
  assert.is(r.match.player0_rating_change, null);
  assert.equal(r.agents, [...before], "ratings and game counts are untouched");
});

test("the boot check opens DATA_DIR for the agents (o+x only), and then the same agents play by the rules", async () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", write: (line) => lines.push(line) });
  await ensureAgentsCanReach({ dataDir, runtime: await prepareRuntime(dataDir), submissionsRoot: submissionsRoot(dataDir), log });
  if (status.separateUids) {
    assert.is(statSync(dataDir).mode & 0o777, 0o701, "others may pass through DATA_DIR, not list it");
    assert.is(statSync(submissionsRoot(dataDir)).mode & 0o777, 0o755);
    assert.ok(lines.some((l) => l.includes("made a folder passable for sandboxed agents") && l.includes(dataDir)), lines.join("\n"));
  }
  const r = await playOne();
  assert.is(r.outcome, "completed");
  assert.is(r.match.status, "completed");
  assert.is(r.match.end_reason, "completed");
  assert.is.not(r.match.player0_rating_change, null);
});

test("an injected launch failure (a mount source bwrap cannot find) is a PlatformError quoting bwrap, whoever runs the platform", async () => {
  const missingSource: typeof sandboxLaunch = (cmd) => sandboxLaunch({ ...cmd, binds: [...(cmd.binds ?? []), { source: "/nonexistent/rl-arena-source", target: "/opt/missing" }] });
  const seat = (name: string): SeatSpec => ({ agentId: name, name, submissionId: "", version: 1, language: "builtin", entry: "pong-tracker" });
  const spec: MatchSpec = {
    matchId: "injected", environment: { id: "pong", version: "1.0.0", config: { max_steps: 20 } }, seed: 1, seats: [seat("a"), seat("b")],
    settings: { initTimeoutS: 10, stepTimeoutS: 1, timeBankS: 5, memoryMb: 512, cpus: 1, maxProcesses: 64, logCapBytes: 65536, matchDeadlineS: 600 },
  };
  let error: unknown;
  try {
    await play({ dataDir, log: quietLog, launcher: missingSource }, spec, [null, null]);
  } catch (e) {
    error = e;
  }
  assert.instance(error, PlatformError);
  assert.match((error as Error).message, /seat [01]'s sandbox could not start the agent, before any of its code ran \(bwrap: Can't find source path \/nonexistent\/rl-arena-source/);
});

test("a folder above the agents' files that the platform does not own stops the boot, naming the folder and the fix", async () => {
  if (!status.separateUids) return;
  const top = mkdtempSync(join(tmpdir(), "rla-reach-foreign-"));
  chmodSync(top, 0o755);
  const foreign = join(top, "someone-elses");
  mkdirSync(foreign, { mode: 0o700 });
  chownSync(foreign, 65534, 65534); // another user's private folder: not ours to open
  const otherData = join(foreign, "data");
  mkdirSync(otherData, { mode: 0o700 });
  const runtimeDir = join(otherData, "runtime", "copy");
  const real = await prepareRuntime(dataDir);
  cpSync(real.dir, runtimeDir, { recursive: true });
  chmodSync(join(otherData, "runtime"), 0o755);
  chmodSync(runtimeDir, 0o755);
  try {
    let error: unknown;
    try {
      await ensureAgentsCanReach({ dataDir: otherData, runtime: { ...real, dir: runtimeDir }, submissionsRoot: submissionsRoot(otherData), log: quietLog });
    } catch (e) {
      error = e;
    }
    assert.match(String(error), new RegExp(`cannot enter ${foreign} \\(mode 700, owner uid 65534\\).*run \`chmod o\\+x ${foreign}\`, or set DATA_DIR`));
    assert.is(statSync(foreign).mode & 0o777, 0o700, "a folder of another user is left as it was");
    assert.is(statSync(otherData).mode & 0o777, 0o701, "DATA_DIR itself (ours) was opened");
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});

test.after(async () => {
  await executor.close();
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test.run();
