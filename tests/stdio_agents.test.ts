/**
 * Agents that speak the protocol themselves, end to end on one machine: real PostgreSQL, real
 * pg-boss workers, the bubblewrap sandbox. Raw Python and raw Node programs (no SDK, no runner)
 * build, play ranked matches, and lose by the rules when they misbehave; commands that escape
 * the archive or name a missing interpreter fail their build with a clear message.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { play } from "../src/executor/local/executor.ts";
import { initSandbox } from "../src/executor/local/sandbox.ts";
import type { MatchRunResult, MatchSettings } from "../src/executor/types.ts";
import { startWorkers, type Workers } from "../src/jobs/workers.ts";
import { inspectArchive } from "../src/submissions/intake.ts";
import { makeZip } from "./fixtures/archives.ts";
import { makeAgent, quietLog, startTestBoss, stopEngine, submissionStatus, testDataDir, upload, waitFor } from "./fixtures/engine.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";
import { rawNode, rawPython, stdioZip } from "./fixtures/stdio_agents.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import type { PgBoss } from "pg-boss";

let db: TestDatabase;
let boss: PgBoss;
let workers: Workers;
let owner: string;
let n = 0;

/** Uploads like the API does (language and entry from inspectArchive) and waits for the build's end. */
async function build(name: string, bytes: Buffer): Promise<{ agent: string; submission: string; status: Awaited<ReturnType<typeof submissionStatus>> }> {
  const agent = await makeAgent(db.sql, owner, name);
  let language: string | null = null;
  let entry: string | null = null;
  try {
    ({ language, entry } = await inspectArchive(bytes, "agent.zip"));
  } catch {
    // An archive the upload route would refuse: stored as is, so the build's own check is what is tested.
  }
  const submission = await upload(db.sql, owner, agent, bytes, "agent.zip", language, entry);
  const status = await waitFor(`the build of ${name}`, async () => {
    const s = await submissionStatus(db.sql, submission);
    return s.status === "active" || s.status === "failed" ? s : null;
  }, 60_000);
  return { agent, submission, status };
}

test.before(async () => {
  db = await createTestDatabase();
  await db.sql`select set_setting('matchmaking_interval_s', '1')`;
  await db.sql`select set_setting('match_cooldown_s', '1')`;
  boss = await startTestBoss(db.url);
  workers = await startWorkers({
    sql: db.sql, boss, log: quietLog,
    config: { dataDir: testDataDir("rla-stdio-"), MATCH_CONCURRENCY: 2, EXECUTOR: "local", SANDBOX: "bwrap" },
    validationSteps: 50, matchmakingCheckMs: 200, pollingIntervalSeconds: 0.5,
  });
  owner = (await makeUser(db.sql, { name: "stdio_owner" })).id;
  // Single rated matches, not seat-swapped pairs (pong's default since migration 0017): each
  // stray agent's match must move its rating. Set before any build, because an activation may
  // pair an agent at once (placement).
  await db.sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`;
  // Matchmaking waits until the agents under test are all active.
  await db.sql`select set_setting('matchmaking_interval_s', '3600')`;
});

test.after(async () => {
  await stopEngine(workers, boss);
  await db.drop();
});

test("a command naming an interpreter this machine lacks fails its build, listing the interpreters it has", async () => {
  const { status } = await build("cobol", stdioZip(["cobol", "bot.cob"], { "bot.cob": "" }));
  assert.is(status.status, "failed");
  assert.match(status.error!, /the command's interpreter "cobol" is not available here; available: python3 3\.\d+\.\d+ \(\/usr\/bin\/python3\), node \d+/);
  assert.match(status.build_log!, /interpreter "cobol" is not available here/);
});

test("a command that escapes the archive fails its build, saying so", async () => {
  const absolute = await build("absolute", stdioZip(["/usr/bin/env", "python3", "bot.py"], { "bot.py": rawPython() }));
  assert.is(absolute.status.status, "failed");
  assert.match(absolute.status.error!, /the command's program "\/usr\/bin\/env" escapes the archive: an absolute path must be one of the interpreters/);
  // The upload route refuses "../" already; stored anyway, the build refuses it again.
  const climbing = await build("climbing", stdioZip(["python3", "../bot.py"], { "bot.py": rawPython() }));
  assert.is(climbing.status.status, "failed");
  assert.match(climbing.status.error!, /argument "\.\.\/bot\.py" escapes the archive/);
});

test("an archive with its own Dockerfile fails its build here: the local executor runs only this machine's interpreters", async () => {
  const { status } = await build("docker", stdioZip(["python3", "bot.py"], { "bot.py": rawPython(), Dockerfile: "FROM python:3.12-slim\nCOPY . /agent\n" }));
  assert.is(status.status, "failed");
  assert.match(status.error!, /the archive has a Dockerfile, which only the Kubernetes executor builds \(EXECUTOR=kubernetes\); this platform's local executor runs only this machine's interpreters: python3 3\.[\d.]+ \(\/usr\/bin\/python3\), node/);
});

test("a raw program that never says it is ready fails its validation match by timeout", async () => {
  const { status } = await build("mute", stdioZip(["python3", "bot.py"], { "bot.py": "import sys\nfor line in sys.stdin:\n    pass\n" }));
  assert.is(status.status, "failed");
  assert.match(status.error!, /the validation match failed: timeout at step 0/);
});

test("raw Python and raw Node agents build, play ranked matches, and one that misbehaves later loses by the rules", async () => {
  const py = await build("raw-py", stdioZip(["python3", "bot.py"], { "bot.py": rawPython() }));
  const js = await build("raw-node", stdioZip(["node", "bot.mjs"], { "bot.mjs": rawNode() }));
  // Behaves through its 50-step validation match, then prints a stray line on stdout.
  const stray = await build("raw-stray", stdioZip(["python3", "-u", "bot.py"], { "bot.py": rawPython({ from: 60, misbehave: 'print("thinking...")' }) }));
  // The same in Node, later (step 70), so a match of the two stray agents is lost by the Python one.
  const strayNode = await build("raw-stray-node", stdioZip(["node", "bot.mjs"], { "bot.mjs": rawNode({ from: 70, misbehave: 'console.log("node thinking...");' }) }));
  for (const b of [py, js, stray, strayNode]) {
    assert.is(b.status.status, "active", `${b.status.error}\n${b.status.build_log}`);
    assert.is(b.status.language, "stdio");
    assert.match(b.status.build_log!, /in the sandbox, as is/);
    assert.match(b.status.build_log!, /validation match \(pong, up to 50 steps against builtin:pong-tracker, in the sandbox\): passed/);
  }
  assert.is(py.status.entry, '["python3","bot.py"]');
  assert.match(py.status.build_log!, /raw python agent for player 0/);
  assert.match(js.status.build_log!, /raw node agent for player 0/);

  await db.sql`select set_setting('matchmaking_interval_s', '1')`;
  const ids = [py.agent, js.agent, stray.agent, strayNode.agent];
  const plays = (m: Record<string, any>, agent: string) => m.player0_agent_id === agent || m.player1_agent_id === agent;
  const finished = () => db.sql`select * from matches where status in ('completed', 'failed') and player0_agent_id in ${db.sql(ids)} and player1_agent_id in ${db.sql(ids)} order by created_at`;
  const firstRound = await waitFor("a completed match of the two good agents and a match of the stray one", async () => {
    const rows = await finished();
    const good = rows.find((m) => [m.player0_agent_id, m.player1_agent_id].sort().join() === [py.agent, js.agent].sort().join());
    const bad = rows.find((m) => plays(m, stray.agent));
    return good && bad ? { good, bad } : null;
  }, 120_000);
  // The two stray agents, both losing, drift to the same rating and would keep meeting (the Python
  // one always faults first), and with three agents left the lowest-rated one is the one left
  // out of every pairing: leave only the stray Node agent and the raw Python one, with a window
  // that spans their gap at once.
  await db.sql`update agents set disabled = true where id in ${db.sql([stray.agent, js.agent])}`;
  await db.sql`select set_setting('matchmaking_window_max', '2000')`;
  await db.sql`select set_setting('matchmaking_window', '2000')`;
  const badNode = await waitFor("a match the stray Node agent lost to an agent that outlives step 70", async () => {
    const rows = await finished();
    return rows.find((m) => plays(m, strayNode.agent) && !plays(m, stray.agent)) ?? null;
  }, 120_000);
  const matches = firstRound;
  assert.is(matches.good.status, "completed", matches.good.error);
  assert.is(matches.good.end_reason, "completed", JSON.stringify(matches.good.details));
  assert.ok(matches.good.total_steps > 50);

  const bad = matches.bad;
  assert.is(bad.status, "completed", bad.error);
  assert.is(bad.end_reason, "protocol_error");
  const straySeat = bad.player0_agent_id === stray.agent ? 0 : 1;
  assert.is(bad.winner_seat, 1 - straySeat, "the other agent wins");
  assert.is(bad.total_steps, 60);
  assert.ok(bad[`player${straySeat}_rating_change`] < 0, "the stray agent's rating falls");
  const [log] = await db.sql`select log from match_logs where match_id = ${bad.id} and seat = ${straySeat}`;
  assert.match(log!.log, /thinking\.\.\./);

  assert.is(badNode.status, "completed", badNode.error);
  assert.is(badNode.end_reason, "protocol_error");
  const nodeSeat = badNode.player0_agent_id === strayNode.agent ? 0 : 1;
  assert.is(badNode.winner_seat, 1 - nodeSeat, "the other agent wins");
  assert.is(badNode.total_steps, 70);
  assert.ok(badNode[`player${nodeSeat}_rating_change`] < 0, "the stray Node agent's rating falls");
  const [nodeLog] = await db.sql`select log from match_logs where match_id = ${badNode.id} and seat = ${nodeSeat}`;
  assert.match(nodeLog!.log, /node thinking\.\.\./);
});

// The hostile-agent rules, unchanged for raw programs: each plays seat 0 against the tracker.

await initSandbox("bwrap");
const dataDir = testDataDir("rla-stdio-hostile-");
const settings: MatchSettings = { initTimeoutS: 5, stepTimeoutS: 0.5, timeBankS: 1, memoryMb: 256, cpus: 1, maxProcesses: 32, logCapBytes: 64 * 1024, matchDeadlineS: 600 };

async function playRaw(command: string[], files: Record<string, string>): Promise<MatchRunResult> {
  const dir = join(dataDir, `agent-${++n}`);
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
  return play({ dataDir, log: quietLog }, {
    matchId: `stdio-${n}`, environment: { id: "pong", version: "1.0.0", config: {} }, seed: n, settings, maxSteps: 200,
    seats: [
      { agentId: "raw", name: "raw", submissionId: "", version: 1, language: "stdio", entry: JSON.stringify(command) },
      { agentId: "tracker", name: "tracker", submissionId: "", version: 1, language: "builtin", entry: "pong-tracker" },
    ],
  }, [dir, null]);
}

function assertLost(r: MatchRunResult, reason: string, log: RegExp): void {
  assert.is(r.outcome.end_reason, reason, JSON.stringify(r.outcome));
  assert.is(r.outcome.winner, 1);
  assert.equal(r.outcome.faulted_players, [0]);
  assert.is(r.leftoverProcesses, 0);
  assert.match(r.logs[0]!, log);
}

test("raw agents that play well finish the match with no fault", async () => {
  for (const [command, file, source] of [[["python3", "bot.py"], "bot.py", rawPython()], [["node", "bot.mjs"], "bot.mjs", rawNode()]] as const) {
    const r = await playRaw([...command], { [file]: source });
    assert.is(r.outcome.end_reason, "completed", `${command}: ${JSON.stringify(r.outcome)}\n${r.logs[0]}`);
    assert.is(r.outcome.total_steps, 200);
  }
});

test("a stray stdout line from a raw agent is a protocol error", async () => {
  assertLost(await playRaw(["node", "bot.mjs"], { "bot.mjs": rawNode({ from: 3, misbehave: 'console.log("debug: here");' }) }), "protocol_error", /debug: here/);
});

test("a huge stdout line from a raw agent is a protocol error", async () => {
  assertLost(await playRaw(["python3", "bot.py"], { "bot.py": rawPython({ from: 2, misbehave: 'sys.stdout.write("z" * (3 << 20))\nsys.stdout.flush()' }) }), "protocol_error", /stdout line longer than/);
});

test("NUL bytes in a raw agent's answer are a protocol error", async () => {
  assertLost(await playRaw(["python3", "bot.py"], { "bot.py": rawPython({ from: 1, misbehave: 'sys.stdout.write("{\\"action\\": 1}\\0\\n")\nsys.stdout.flush()\ncontinue' }) }), "protocol_error", /step 1: the line is not valid JSON: "\{\\"action\\": 1\}\?"/);
});

test("a raw agent that stops answering loses by timeout", async () => {
  assertLost(await playRaw(["node", "bot.mjs"], { "bot.mjs": rawNode({ from: 5, misbehave: "for (;;) {}" }) }), "timeout", /timeout: step 5: no answer within/);
});

test("a raw agent that answers init with an action instead of {\"ready\": true} is a protocol error", async () => {
  const source = `import sys\nfor line in sys.stdin:\n    print('{"action": 1}', flush=True)\n`;
  assertLost(await playRaw(["python3", "bot.py"], { "bot.py": source }), "protocol_error", /expected \{"ready": true\} in answer to init/);
});

test.run();
