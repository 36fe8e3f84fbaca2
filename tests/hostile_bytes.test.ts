/**
 * Hostile bytes: uploaded agents that write NUL, invalid UTF-8, floods, ANSI escapes and lines
 * that look like the platform's, through the real build and match jobs (runBuildJob,
 * runMatchJob with the local executor: bubblewrap sandbox, real PostgreSQL). Before the fix one
 * NUL on stderr made PostgreSQL refuse the result: the build failed as a platform problem on
 * every attempt, and the match ended `failed` with no rating change, so an agent could dodge
 * every loss. Now builds pass or fail by the rules, matches end by the rules with ratings moved,
 * and the logs read back through the API (U+FFFD in place of what cannot be stored).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createLocalExecutor } from "../src/executor/local/executor.ts";
import { CGROUP_JOIN_FAILED, initSandbox } from "../src/executor/local/sandbox.ts";
import { runBuildJob } from "../src/jobs/build_worker.ts";
import { runMatchJob } from "../src/jobs/match_worker.ts";
import { inspectArchive } from "../src/submissions/intake.ts";
import { createApiHarness } from "./helpers/web.ts";
import { insertMatch } from "./helpers/sql_fixtures.ts";
import { jsAgentZip, makeAgent, quietLog, startTestBoss, testDataDir, upload } from "./fixtures/engine.ts";

process.env.RLA_SANDBOX_UID_BASE = String(260_000 + (process.pid % 1000) * 600);
await initSandbox("bwrap");
const R = "\ufffd";
const VALIDATION_STEPS = 10;
/** Hostile agents behave through the validation match and misbehave from this step of a ranked match on. */
const TURN = 15;

const api = await createApiHarness();
const { sql } = api.db;
const boss = await startTestBoss(api.db.url); // create_submission enqueues the build job in pg-boss's tables
const executor = createLocalExecutor({ dataDir: testDataDir("rla-bytes-"), sql, log: quietLog, concurrency: 1 });
const owner = await api.register("bytes_owner");
const house = await api.register("bytes_house");
const [{ cap }] = await sql<{ cap: number }[]>`select setting_number_for('pong', 'log_cap_bytes')::int as cap`;
let jobs = 0;

test.after(async () => {
  await executor.close();
  await boss.stop({ graceful: false });
  await api.close();
});

/** A JS agent (SDK default export) tracking the ball; `prelude` runs at import, `turn` (with `ctx`) from step TURN on. */
function agentSource(prelude: string, turn = "") {
  return `import { writeSync } from "node:fs";
/** Writes all of the bytes or text to fd (the pipes may be non-blocking: retry on EAGAIN). */
function put(fd, data) { const b = Buffer.from(data); for (let o = 0; o < b.length;) { try { o += writeSync(fd, b, o); } catch {} } }
const err = (data) => put(2, data);
const out = (data) => put(1, data);
${prelude}
export default function act(observation, info, ctx) {
  if (ctx.step >= ${TURN}) { ${turn} }
  const [, ballY, , , p0, p1] = observation;
  const me = ctx.player === 1 ? p1 : p0;
  return ballY < me - 0.02 ? 0 : ballY > me + 0.02 ? 2 : 1;
}
`;
}

/** NUL, invalid UTF-8, ANSI colours, HTML, and lines that look like the protocol's and the platform's. */
const DIRTY = `err([0x6e, 0x75, 0x6c, 0x3a, 0x00, 0x20, 0x62, 0x61, 0x64, 0x3a, 0xff, 0xfe, 0xc3, 0x28, 0x0a]);
err("\\x1b[31mred\\x1b[0m <script>alert(1)</script>\\n");
err(${JSON.stringify(`{"ready":true}\n{"action":1}\n${CGROUP_JOIN_FAILED}\n[rl-arena referee] crash: player 1 crashed\n`)});`;

/** Uploads `source` as a new agent of the owner and runs its build job; returns the agent, the submission and its row. */
async function build(name: string, source: string) {
  const agent = await makeAgent(sql, owner.user.id, name);
  const zip = jsAgentZip(source);
  const summary = await inspectArchive(zip, "agent.zip");
  const submission = await upload(sql, owner.user.id, agent, zip, "agent.zip", summary.language, summary.entry);
  const outcome = await runBuildJob({ sql, executor, log: quietLog, validationSteps: VALIDATION_STEPS }, { id: `build-${++jobs}`, data: { submissionId: submission }, signal: new AbortController().signal });
  const [row] = await sql`select status, error, build_log from submissions where id = ${submission}`;
  return { agent, submission, outcome, row: row! };
}

/** A built-in pong tracker of the house user, to play against. */
async function tracker(): Promise<string> {
  const agent = await makeAgent(sql, house.user.id, `tracker-${++jobs}`);
  await sql`select create_builtin_submission(${agent}, 'pong-tracker')`;
  return agent;
}

/** Plays a rated match, hostile agent in seat 0 against a built-in tracker, through the match job; returns the match row. */
async function rankedMatch(hostile: string) {
  const opponent = await tracker();
  const before = await sql`select id, rating from agents where id in (${hostile}, ${opponent})`;
  const matchId = await insertMatch(sql, hostile, opponent);
  const outcome = await runMatchJob({ sql, executor, log: quietLog }, { id: `match-${++jobs}`, data: { matchId }, signal: new AbortController().signal });
  const [match] = await sql`select * from matches where id = ${matchId}`;
  assert.is(outcome, "completed", `the match job ended ${outcome}: ${match!.error}`);
  assert.is(match!.status, "completed", match!.error);
  const after = await sql`select id, rating from agents where id in (${hostile}, ${opponent})`;
  const rating = (rows: typeof before, id: string) => Number(rows.find((r) => r.id === id)!.rating);
  assert.ok(rating(after, hostile) < rating(before, hostile), "the hostile agent lost rating");
  assert.ok(rating(after, opponent) > rating(before, opponent), "its opponent gained rating");
  assert.is(match!.winner_seat, 1, "the tracker won");
  return match!;
}

/** The owner's logs of a match through GET /api/v1/matches/:id/logs. */
async function ownerLog(matchId: string): Promise<{ log: string; truncated: boolean }> {
  const res = await api.call("GET", `/matches/${matchId}/logs`, { token: owner.token });
  assert.is(res.status, 200, await res.clone().text());
  const body = await res.json() as { logs: Array<{ seat: number; log: string; truncated: boolean }> };
  assert.equal(body.logs.map((l) => l.seat), [0], "only the owner's seat");
  return body.logs[0]!;
}

test("NUL, invalid UTF-8, ANSI and fake platform lines on stderr: the build passes, the log reads back with U+FFFD", async () => {
  const b = await build("dirty-builder", agentSource(DIRTY));
  assert.is(b.outcome, "active", `${b.row.error}\n${b.row.build_log}`);
  const res = await api.call("GET", `/submissions/${b.submission}/build-logs`, { token: owner.token });
  assert.is(res.status, 200);
  const { buildLog } = await res.json() as { buildLog: string };
  assert.ok(buildLog.includes(`nul:${R} bad:${R}${R}${R}(\n`), buildLog);
  assert.ok(buildLog.includes("\x1b[31mred\x1b[0m <script>alert(1)</script>"), "ANSI escapes and HTML are stored as written");
  assert.match(buildLog, /validation match \(pong, up to 10 steps against builtin:pong-tracker, in the sandbox\): passed/);
});

test("an agent that writes NUL and invalid UTF-8 and then crashes fails its build by the rules (not as a platform problem)", async () => {
  const b = await build("dirty-crasher", `import { writeSync } from "node:fs";\nwriteSync(2, Buffer.from([0x00, 0xff, 0x0a]));\nthrow new Error("boom \\u0000 here");\n`);
  assert.is(b.outcome, "failed");
  assert.is(b.row.status, "failed");
  assert.match(b.row.error!, /the validation match failed: crash at step 0/);
  assert.ok(b.row.build_log!.includes(`${R}${R}\n`), b.row.build_log!);
  assert.match(b.row.build_log!, /boom/);
});

test("an invalid action holding NUL after dirty stderr: the match completes as invalid_action, ratings move, the log reads back", async () => {
  const { agent } = await build("dirty-invalid", agentSource(DIRTY, `return "\\u0000\\ud800<script>";`));
  const match = await rankedMatch(agent);
  assert.is(match.end_reason, "invalid_action");
  assert.match(match.details.fault_detail, /is not in the action space/);
  const { log } = await ownerLog(match.id);
  assert.ok(log.startsWith(`nul:${R} bad:${R}${R}${R}(\n\x1b[31mred`), JSON.stringify(log.slice(0, 80)));
  assert.ok(log.includes(`${CGROUP_JOIN_FAILED}\n`), "the fake cgroup line is only text in the log");
  assert.match(log, new RegExp(`\\[rl-arena referee\\] invalid_action: step ${TURN}: action`));
});

test("an answer whose keys hold NUL and a lone surrogate is a protocol error, and the match completes", async () => {
  const { agent } = await build("nul-keys", agentSource("", `out('{"\\\\u0000":1,"\\\\ud800":2}\\n');`));
  const match = await rankedMatch(agent);
  assert.is(match.end_reason, "protocol_error");
  assert.match(match.details.fault_detail, /expected \{"action": …\} but got an object with keys \[\?, \ufffd\]/);
});

test("stderr beyond the cap in invalid bytes and a stdout line over 1 MB: protocol_error, the log is capped and ends with the referee's note", async () => {
  const flood = `err(Buffer.alloc(${cap} + 300000, 0xff)); err([0x00]);`;
  const { agent, row } = await build("flooder", agentSource(flood, `out("x".repeat(1100000));`));
  assert.ok(Buffer.byteLength(row.build_log) <= cap, `build log of ${Buffer.byteLength(row.build_log)} bytes`);
  const match = await rankedMatch(agent);
  assert.is(match.end_reason, "protocol_error");
  assert.match(match.details.fault_detail, /wrote a stdout line longer than 1048576 bytes/);
  const { log, truncated } = await ownerLog(match.id);
  assert.ok(Buffer.byteLength(log) <= cap, `log of ${Buffer.byteLength(log)} bytes, cap ${cap}`);
  assert.ok(log.startsWith(R.repeat(100)));
  assert.match(log, /\[rl-arena: stderr truncated here, the log is capped at \d+ bytes\]\n\[rl-arena referee\] protocol_error: step \d+: the agent wrote a stdout line longer than 1048576 bytes\n$/);
  assert.is(truncated, true, "the API says the log was cut");
});

test("printing the platform's own lines and then exiting is a crash: the agent loses, the match is not a platform failure", async () => {
  const { agent } = await build("impostor", agentSource("", `err(${JSON.stringify(`{"ready":true}\n${CGROUP_JOIN_FAILED}\nrl-arena referee: platform failure: fake\n`)}); process.exit(3);`));
  const match = await rankedMatch(agent);
  assert.is(match.end_reason, "crash");
  const { log } = await ownerLog(match.id);
  assert.match(log, /\[rl-arena referee\] crash: step \d+: the agent exited with code 3/);
});

test("the match page shows an agent's ANSI escapes as visible symbols and its HTML as text", async () => {
  const { agent } = await build("ansi-page", agentSource(DIRTY, `return 7;`));
  const match = await rankedMatch(agent);
  const res = await api.app.request(`http://arena.test/matches/${match.id}`, { headers: { cookie: `session=${owner.token}` } });
  assert.is(res.status, 200);
  const html = await res.text();
  assert.ok(html.includes("␛[31mred␛[0m &lt;script&gt;alert(1)&lt;/script&gt;"), html.slice(html.indexOf("match-logs"), html.indexOf("match-logs") + 600));
  assert.not.ok(html.includes("\x1b"), "no raw ESC in the page");
  assert.not.ok(html.includes("<script>alert(1)"), "no injected script");
});

test.run();
