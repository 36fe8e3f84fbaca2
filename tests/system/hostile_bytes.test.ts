/**
 * Hostile bytes from outside, against the built platform (`node dist/main.js`, the Dockerfile's
 * command): a user uploads a JavaScript agent that writes NUL, invalid UTF-8, ANSI escapes and
 * HTML to stderr, plays well through its validation match and then sends an invalid action
 * holding NUL in a ranked match against the demo agents. Before the fix PostgreSQL refused the
 * NUL: the build failed as a platform problem on every attempt, and a match ended `failed` with
 * no rating change. Now the build passes, the match is completed as the agent's invalid action
 * with ELO moved, and the owner's logs read back with U+FFFD.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { makeZip } from "../fixtures/archives.ts";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, relaxRateLimits, type HttpUser } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

const R = "\ufffd";
/** The built server's validation match is 100 steps (VALIDATION_STEPS); the agent turns hostile after it. */
const TURN = 120;

// CommonJS SDK module: tracks the ball, so only its invalid action can make it lose.
const HOSTILE_AGENT_JS = `const { writeSync } = require("node:fs");
writeSync(2, Buffer.from([0x6e, 0x75, 0x6c, 0x3a, 0x00, 0x20, 0x62, 0x61, 0x64, 0x3a, 0xff, 0xfe, 0x0a]));
writeSync(2, "\\x1b[31mred\\x1b[0m <script>alert(1)</script>\\n{\\"ready\\":true}\\n");
exports.act = function act(observation, info, ctx) {
  if (ctx.step >= ${TURN}) return "\\u0000</script><script>alert(2)</script>";
  const ballY = observation[1], paddleY = observation[4 + ctx.player];
  return ballY < paddleY - 0.02 ? 0 : ballY > paddleY + 0.02 ? 2 : 1;
};
`;

let platform: BuiltPlatform;
let owner: HttpUser;
let agentId = "";
let matchId = "";

async function json(res: Response | Promise<Response>): Promise<any> {
  const r = await res;
  const text = await r.text();
  try { return { ...JSON.parse(text), httpStatus: r.status }; } catch { return { httpStatus: r.status, text }; }
}

test.before(async () => {
  // DEMO: the built-in demo agents are the opponents (the helper turns them off by default; it
  // also sets 1 s matchmaking ticks and no cooldown, so they are free to play at once).
  platform = await startBuiltPlatform({ env: { NODE_ENV: "production", JWT_SECRET: "s".repeat(48), SANDBOX: "bwrap", DEMO: "true" } });
  await relaxRateLimits(platform.sql!);
  // One rated match, not a seat-swapped pair (pong's default since migration 0017): the test reads that match's ELO change.
  await platform.sql!`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`;
  owner = await registerUser(platform.url, "hostile_owner");
});

test.after(async () => {
  await platform?.stop();
});

test("an agent writing NUL and invalid UTF-8 to stderr builds, and its build log reads back with U+FFFD", async () => {
  const created = await json(owner.api("/agents", { method: "POST", json: { name: "nul-writer", environmentId: "pong" } }));
  assert.is(created.httpStatus, 201, JSON.stringify(created));
  agentId = created.agent?.id ?? created.id;
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new Blob([makeZip([{ name: "main.js", data: HOSTILE_AGENT_JS }]) as Uint8Array<ArrayBuffer>]), "hostile.zip");
  const uploaded = await json(owner.api("/submissions", { method: "POST", body: form }));
  assert.is(uploaded.httpStatus, 201, JSON.stringify(uploaded));
  const submissionId = uploaded.submission.id;
  let last: any;
  await waitFor(async () => {
    last = (await json(owner.api(`/submissions/${submissionId}`))).submission;
    return last && !["pending", "building"].includes(last.status);
  }, 90_000, () => `the build of ${submissionId} (last: ${JSON.stringify(last)})\n${platform.output().slice(-2000)}`);
  assert.is(last.status, "active", JSON.stringify(last));
  const logs = await json(owner.api(`/submissions/${submissionId}/build-logs`));
  assert.is(logs.httpStatus, 200);
  assert.ok(logs.buildLog.includes(`nul:${R} bad:${R}${R}\n`), logs.buildLog);
  assert.match(logs.buildLog, /validation match \(pong, up to 100 steps .*\): passed/);
});

test("its invalid action holding NUL ends a ranked match against a demo agent as completed / invalid_action, and ELO moves", async () => {
  let match: any;
  await waitFor(async () => {
    const list = await json(fetch(`${platform.url}/api/v1/matches/agent/${agentId}`));
    match = list.matches?.find((m: any) => m.status === "completed" || m.status === "failed");
    return Boolean(match);
  }, 180_000, () => `a finished match of ${agentId}\n${platform.output().slice(-2000)}`);
  assert.is(match.status, "completed", JSON.stringify(match));
  assert.is(match.endReason, "invalid_action", JSON.stringify(match));
  matchId = match.id;
  const seat = match.agent1Id === agentId ? 1 : 2;
  assert.is(match.winnerId, match[`agent${3 - seat}Id`], "the demo agent won");
  assert.ok(match[`agent${seat}EloChange`] < 0 && match[`agent${3 - seat}EloChange`] > 0, JSON.stringify(match));
});

test("the owner's match log reads back through the API with U+FFFD and the referee's note", async () => {
  const body = await json(owner.api(`/matches/${matchId}/logs`));
  assert.is(body.httpStatus, 200, JSON.stringify(body));
  assert.is(body.logs.length, 1);
  const log: string = body.logs[0].log;
  assert.ok(log.startsWith(`nul:${R} bad:${R}${R}\n\x1b[31mred\x1b[0m <script>alert(1)</script>\n{"ready":true}\n`), JSON.stringify(log.slice(0, 200)));
  assert.match(log, new RegExp(`\\[rl-arena referee\\] invalid_action: step ${TURN}: action .* is not in the action space`));
});

test("the match page shows the log's escapes as symbols and its HTML as text; the HTML replay embeds nothing raw", async () => {
  const page = await owner.page(`/matches/${matchId}`);
  assert.is(page.status, 200);
  const html = await page.text();
  assert.ok(html.includes("␛[31mred␛[0m &lt;script&gt;alert(1)&lt;/script&gt;"), "the log is shown escaped");
  assert.not.ok(html.includes("\x1b") || html.includes("<script>alert("), "nothing of the agent's is raw in the page");
  const replay = await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=html`);
  const player = await replay.text();
  assert.is(replay.status, 200, player.slice(0, 300));
  assert.not.ok(player.includes("<script>alert(2)"), "the fault detail quoting the action is not markup in the HTML replay");
});

test.run();
