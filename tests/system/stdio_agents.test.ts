/**
 * Agents in any language, from outside, against the built platform (node dist/main.js) with the
 * real bubblewrap sandbox: GET /api/v1/runtimes lists this machine's interpreters; a raw Python
 * program and a raw Node program (agent.json {"protocol": "stdio", "command": [...]}, no SDK)
 * are uploaded over HTTP, build and play a ranked match; a command that escapes the archive is
 * refused at upload, and one naming a missing interpreter fails its build saying what exists.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rawNode, rawPython, stdioZip } from "../fixtures/stdio_agents.ts";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, relaxRateLimits, type HttpUser } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

let platform: BuiltPlatform;
let alice: HttpUser;
let bob: HttpUser;
const agents: Record<string, string> = {};

async function json(res: Response | Promise<Response>): Promise<any> {
  const r = await res;
  const text = await r.text();
  try { return { ...JSON.parse(text), httpStatus: r.status }; } catch { return { httpStatus: r.status, text }; }
}

async function createAgent(user: HttpUser, name: string): Promise<string> {
  const body = await json(user.api("/agents", { method: "POST", json: { name, environmentId: "pong" } }));
  assert.is(body.httpStatus, 201, JSON.stringify(body));
  return body.agent?.id ?? body.id;
}

function uploadForm(agentId: string, bytes: Buffer): FormData {
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), "bot.zip");
  return form;
}

async function uploadAndBuild(user: HttpUser, agentId: string, bytes: Buffer): Promise<any> {
  const created = await json(user.api("/submissions", { method: "POST", body: uploadForm(agentId, bytes) }));
  assert.is(created.httpStatus, 201, JSON.stringify(created));
  let last: any;
  await waitFor(async () => {
    last = (await json(user.api(`/submissions/${created.submission.id}`))).submission;
    return last && !["pending", "building"].includes(last.status);
  }, 90_000, () => `the build of ${created.submission.id} (last: ${JSON.stringify(last)})\n${platform.output().slice(-2000)}`);
  return last;
}

test.before(async () => {
  platform = await startBuiltPlatform({ env: { NODE_ENV: "production", JWT_SECRET: "s".repeat(48), SANDBOX: "bwrap" } });
  await relaxRateLimits(platform.sql!);
  [alice, bob] = await Promise.all(["alice", "bob"].map((n) => registerUser(platform.url, n)));
});

test.after(async () => {
  await platform?.stop();
});

test("GET /api/v1/runtimes lists this machine's interpreters with their versions, and no Dockerfile builds", async () => {
  const body = await json(fetch(`${platform.url}/api/v1/runtimes`));
  assert.is(body.httpStatus, 200);
  assert.is(body.executor, "local");
  assert.is(body.dockerfile, false);
  const byName = Object.fromEntries(body.runtimes.map((r: any) => [r.name, r]));
  assert.match(byName.python3.version, /^3\.\d+\.\d+$/);
  assert.is(byName.python3.path, "/usr/bin/python3");
  assert.is(byName.node.version, process.versions.node);
  assert.match(body.note, /only this machine's interpreters/);
});

test("a raw Python program and a raw Node program upload over HTTP, build in the sandbox, and play a ranked match", async () => {
  agents.py = await createAgent(alice, "raw-python");
  agents.node = await createAgent(bob, "raw-node");
  const [py, node] = await Promise.all([
    uploadAndBuild(alice, agents.py, stdioZip(["python3", "bot.py"], { "bot.py": rawPython() })),
    uploadAndBuild(bob, agents.node, stdioZip(["node", "bot.mjs"], { "bot.mjs": rawNode() })),
  ]);
  for (const b of [py, node]) {
    assert.is(b.status, "active", JSON.stringify(b));
    assert.is(b.language, "stdio");
  }
  assert.is(py.entry, '["python3","bot.py"]');
  assert.is(node.entry, '["node","bot.mjs"]');
  const logs = await json(alice.api(`/submissions/${py.id}/build-logs`));
  assert.match(logs.buildLog, /command \["python3","bot\.py"\] runs \/usr\/bin\/python3 in the sandbox, as is/);
  assert.match(logs.buildLog, /raw python agent for player 0/);

  let match: any;
  await waitFor(async () => {
    const list = await json(fetch(`${platform.url}/api/v1/matches/agent/${agents.py}`));
    match = list.matches?.find((m: any) => m.status === "completed" || m.status === "failed");
    return Boolean(match);
  }, 120_000, () => `a finished match of ${agents.py}\n${platform.output().slice(-2000)}`);
  assert.is(match.status, "completed", JSON.stringify(match));
  assert.is(match.endReason, "completed", JSON.stringify(match));
  assert.equal([match.agent1Id, match.agent2Id].sort(), [agents.py, agents.node].sort());
  assert.ok(match.totalSteps > 100);
  const mine = await json(alice.api(`/matches/${match.id}/logs`));
  assert.match(mine.logs[0].log, /raw python agent for player [01]/);
});

test("a command that climbs out of the archive is refused at upload, naming the argument", async () => {
  const id = await createAgent(alice, "climber");
  const r = await json(alice.api("/submissions", { method: "POST", body: uploadForm(id, stdioZip(["python3", "../bot.py"], { "bot.py": rawPython() })) }));
  assert.is(r.httpStatus, 422, JSON.stringify(r));
  assert.match(r.message, /agent\.json: "command" argument "\.\.\/bot\.py" escapes the archive/);
});

test("a command naming an interpreter this machine lacks fails its build, listing the interpreters it has", async () => {
  const id = await createAgent(bob, "cobol");
  const b = await uploadAndBuild(bob, id, stdioZip(["cobol", "bot.cob"], { "bot.cob": "" }));
  assert.is(b.status, "failed");
  assert.match(b.errorMessage, /the command's interpreter "cobol" is not available here; available: python3 3\.[\d.]+ \(\/usr\/bin\/python3\), node /);
});

test("no error or crash in the server's output, and it stops cleanly", async () => {
  const { code } = await platform.stop();
  assert.is(code, 0, platform.output().slice(-2000));
  assert.not.match(platform.output(), /unhandled error|uncaught/i);
});

test.run();
