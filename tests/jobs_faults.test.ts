/**
 * kill -9 of a worker process in the middle of a match and of a build. Afterwards the job is
 * retried by another worker: the match is completed exactly once (one rating change per
 * agent), the build finishes once, no agent process survives its worker, and every agent is
 * eligible for matchmaking again.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { uidRange } from "../src/executor/local/sandbox_uids.ts";
import { PROJECT_ROOT } from "../src/paths.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import { JS_TRACKER, jsAgentZip, makeAgent, sleep, startTestBoss, submissionStatus, testDataDir, upload, waitFor } from "./fixtures/engine.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

// The workers of this file lease uids from a range of their own (inherited through the environment).
process.env.RLA_SANDBOX_UID_BASE = String(900_000 + (process.pid % 1000) * 600);
const { base: UID_BASE, count: UID_COUNT } = uidRange();

interface Worker { child: ChildProcess; lines: string[]; waitLine(re: RegExp, timeoutMs?: number): Promise<string> }

function startWorker(db: TestDatabase, dataDir: string): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/worker_process.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, RLA_TEST_DB_URL: db.url, RLA_TEST_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    lines,
    async waitLine(re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => re.test(l));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`worker printed no line matching ${re} within ${timeoutMs} ms; got ${JSON.stringify(lines)}`);
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
      }
    },
  };
}

async function stopWorker(w: Worker): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once("exit", r));
  w.child.kill("SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
}

/** Pids of live processes running as sandbox uids (the agents of every worker on this machine). */
function sandboxProcesses(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
      if (uid >= UID_BASE && uid < UID_BASE + UID_COUNT && !/^State:\s+Z/m.test(status)) pids.push(Number(name));
    } catch { /* exited */ }
  }
  return pids;
}

async function killDuringSandboxedWork(w: Worker): Promise<void> {
  await waitFor("agent processes of the worker to be running", async () => sandboxProcesses().length > 0, 15_000, 10);
  await sleep(150);
  const exited = new Promise((r) => w.child.once("exit", r));
  w.child.kill("SIGKILL");
  await exited;
  await waitFor("the killed worker's agents to be gone", async () => sandboxProcesses().length === 0, 5_000, 50);
}

test("kill -9 of a worker during a match: the retried job completes it exactly once and frees both agents", async () => {
  const db = await createTestDatabase();
  const { sql } = db;
  const boss = await startTestBoss(db.url); // supervises every second: finds the dead worker's job by its missing heartbeat
  const dataDir = testDataDir("rla-fault-match-");
  const workers: Worker[] = [];
  try {
    await sql`select set_setting('matchmaking_interval_s', '1')`;
    await sql`select set_setting('match_cooldown_s', '0')`;
    await sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`; // one rated match, not a seat-swapped pair (pong's default since migration 0017): this test follows that one match
    const { id: owner } = await makeUser(sql, { name: "fault_owner" });
    const a = await makeAgent(sql, owner, "left");
    const b = await makeAgent(sql, owner, "right");
    await sql`select create_builtin_submission(${a}, 'pong-tracker')`;
    await sql`select create_builtin_submission(${b}, 'pong-tracker')`;

    // Action: a worker pairs them and starts the match; it is killed while the agents play
    const first = startWorker(db, dataDir);
    workers.push(first);
    const started = await first.waitLine(/^match\.started /);
    const matchId = started.split(" ")[1]!;
    await killDuringSandboxedWork(first);
    const [during] = await sql`select status, attempts from matches where id = ${matchId}`;
    assert.is(during!.status, "running", "the match is left running by the dead worker");

    // Once the retry has finished the match, the two agents would be paired again within a
    // second; a cooldown keeps the worker from starting a new match before it is stopped.
    await sql`select set_setting('match_cooldown_s', '3600')`;
    const second = startWorker(db, dataDir);
    workers.push(second);
    await second.waitLine(new RegExp(`^match\\.finished ${matchId}`), 60_000);
    await stopWorker(second);
    await sql`select set_setting('match_cooldown_s', '0')`;

    // Assertions
    const matches = await sql`select id, status, attempts, end_reason from matches`;
    const ours = matches.find((m) => m.id === matchId)!;
    assert.is(ours.status, "completed");
    assert.is(ours.attempts, 2, "started by the dead worker, then by the retry");
    for (const m of matches) assert.ok(m.status === "completed" || m.status === "failed", `match ${m.id} is ${m.status}`);
    const [{ n: history }] = await sql`select count(*)::int as n from rating_history where match_id = ${matchId}`;
    assert.is(history, 2, "one rating change per agent");
    const agents = await sql`select games from agents where id in (${a}, ${b})`;
    const completed = matches.filter((m) => m.status === "completed").length;
    for (const g of agents) assert.is(g.games, completed);
    const [{ n: busy }] = await sql`select count(*)::int as n from busy_agents`;
    assert.is(busy, 0);
    const pool = await sql`select agent_id from matchmaking_pool('pong', arena_now())`;
    assert.equal(pool.map((r) => r.agent_id).sort(), [a, b].sort(), "both agents are eligible again");
    assert.equal(sandboxProcesses(), []);
  } finally {
    for (const w of workers) await stopWorker(w);
    await boss.stop({ graceful: false });
    await db.drop();
  }
});

test("kill -9 of a worker during a build: the retried job builds the submission once and the agent becomes eligible", async () => {
  const db = await createTestDatabase();
  const { sql } = db;
  const boss = await startTestBoss(db.url);
  const dataDir = testDataDir("rla-fault-build-");
  const workers: Worker[] = [];
  try {
    await sql`select set_setting('matchmaking_interval_s', '3600')`; // no pairing: this test is about the build
    const { id: owner } = await makeUser(sql, { name: "build_owner" });
    const agent = await makeAgent(sql, owner, "uploaded");
    // The agent takes 3 s to start (init allows 10 s), so the kill below lands inside the build's
    // validation match however fast the machine is.
    const slowStart = `await new Promise((r) => setTimeout(r, 3000));\n${JS_TRACKER}`;
    const submission = await upload(sql, owner, agent, jsAgentZip(slowStart), "agent.zip", "node", "main.mjs");

    const first = startWorker(db, dataDir);
    workers.push(first);
    await first.waitLine(new RegExp(`^build\\.started ${submission}`));
    await killDuringSandboxedWork(first);
    assert.is((await submissionStatus(sql, submission)).status, "building", "the dead worker leaves it building");

    const second = startWorker(db, dataDir);
    workers.push(second);
    await second.waitLine(new RegExp(`^build\\.finished ${submission} true`), 60_000);
    await stopWorker(second);

    const s = await submissionStatus(sql, submission);
    assert.is(s.status, "active", `${s.error}\n${s.build_log}`);
    assert.match(s.build_log!, /validation match .* passed/);
    const [row] = await sql`select active_submission_id from agents where id = ${agent}`;
    assert.is(row!.active_submission_id, submission);
    const pool = await sql`select agent_id from matchmaking_pool('pong', arena_now())`;
    assert.ok(pool.some((r) => r.agent_id === agent), "the agent is eligible for matchmaking");
    assert.equal(sandboxProcesses(), []);
  } finally {
    for (const w of workers) await stopWorker(w);
    await boss.stop({ graceful: false });
    await db.drop();
  }
});

test.run();
