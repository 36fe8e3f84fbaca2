import { test } from "uvu";
import * as assert from "uvu/assert";
import { makeZip } from "./fixtures/archives.ts";
import { TRACKER_AGENT_JS, trackerZip } from "./fixtures/api_agent.ts";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";

let h: ApiHarness;
let alice: { token: string; user: { id: string } };
let bob: { token: string; user: { id: string } };
let agentId: string;
test.before(async () => {
  h = await createApiHarness();
  alice = await h.register("alice");
  bob = await h.register("bob");
  const res = await h.call("POST", "/agents", { token: alice.token, body: { name: "Tracker", environmentId: "pong" } });
  agentId = (await res.json()).agent.id;
});
test.after(async () => {
  await h.close();
});

function upload(token: string | undefined, bytes: Uint8Array | null, name = "agent.zip", agent: string | null = agentId, ip?: string) {
  const form = new FormData();
  if (agent !== null) form.set("agentId", agent);
  if (bytes) form.set("file", new File([bytes as Uint8Array<ArrayBuffer>], name));
  return h.call("POST", "/submissions", { token, body: form, ip });
}

/** Upload rate limits are per user; tests that are not about them start from a full bucket. */
const refill = () => h.db.sql`delete from rate_limit_buckets`;

test("POST /submissions stores a real zip as a pending submission (201) with the entry the intake found", async () => {
  const res = await upload(alice.token, trackerZip(), "tracker.zip");
  assert.is(res.status, 201, await res.clone().text());
  assert.is(res.headers.get("x-ratelimit-limit"), "5");
  const { submission } = await res.json();
  assert.is(submission.agentId, agentId);
  assert.is(submission.version, 1);
  assert.is(submission.status, "pending");
  assert.is(submission.language, "node");
  assert.is(submission.entry, "main.js");
  assert.is(submission.archiveName, "tracker.zip");
  assert.match(submission.archiveSha256, /^[0-9a-f]{64}$/);
  assert.is(submission.buildLog, undefined, "the build log is not part of the public shape");
  const [job] = await h.db.sql`select count(*)::int as n from pgboss.job where name = 'submission.build' and data->>'submissionId' = ${submission.id}`;
  assert.is(job.n, 1, "the build job is queued in the same transaction");
});

test("a single .py file is accepted as an agent", async () => {
  await refill();
  const res = await upload(alice.token, Buffer.from("def act(observation):\n    return 1\n"), "agent.py");
  assert.is(res.status, 201);
  assert.is((await res.json()).submission.language, "python");
});

test("an invalid archive answers 422 naming the offending entry", async () => {
  await refill();
  const escape = makeZip([{ name: "../evil.js", data: "x" }, { name: "main.js", data: TRACKER_AGENT_JS }]);
  const res = await upload(alice.token, escape, "evil.zip");
  assert.is(res.status, 422);
  const body = await res.json();
  assert.is(body.error, "invalid_archive");
  assert.match(body.message, /\.\.\/evil\.js/);
  assert.is(body.details.code, "path_escape");
  const noEntry = await upload(alice.token, makeZip([{ name: "README.md", data: "hi" }]), "empty.zip");
  assert.is(noEntry.status, 422);
  assert.is((await noEntry.json()).details.code, "no_entry_point");
  const garbage = await upload(alice.token, Buffer.from("not a zip at all"), "x.zip");
  assert.is(garbage.status, 422);
});

test("an upload over 10 MB answers 413 in the API's error shape", async () => {
  await refill();
  const big = Buffer.alloc(10 * 1024 * 1024 + 1, 7);
  const res = await upload(alice.token, big, "big.zip");
  assert.is(res.status, 413);
  const body = await res.json();
  assert.is(body.error, "payload_too_large");
  assert.match(body.message, /10 MB/);
  const huge = await upload(alice.token, Buffer.alloc(11 * 1024 * 1024, 1), "huge.zip");
  assert.is(huge.status, 413, "over the body limit itself");
});

test("missing fields answer 400, anonymous 401, someone else's agent 403, an unknown agent 404", async () => {
  await refill();
  const noAgent = await upload(alice.token, trackerZip(), "a.zip", null);
  assert.is(noAgent.status, 400);
  assert.match((await noAgent.json()).message, /agentId is required/);
  const noFile = await upload(alice.token, null);
  assert.is(noFile.status, 400);
  assert.match((await noFile.json()).message, /file is required/);
  const badId = await upload(alice.token, trackerZip(), "a.zip", "agent-7");
  assert.is(badId.status, 400);
  const json = await h.call("POST", "/submissions", { token: alice.token, body: { agentId } });
  assert.is(json.status, 400);
  assert.match((await json.json()).message, /multipart\/form-data/);
  assert.is((await upload(undefined, trackerZip())).status, 401);
  assert.is((await upload(bob.token, trackerZip())).status, 403);
  assert.is((await upload(alice.token, trackerZip(), "a.zip", "00000000-0000-4000-8000-000000000000")).status, 404);
});

test("uploads are limited to 5 per minute per user: the 6th answers 429 with Retry-After", async () => {
  await refill();
  const { agent } = await (await h.call("POST", "/agents", { token: bob.token, body: { name: "Spammer", environmentId: "pong" } })).json();
  const codes: number[] = [];
  let last: Response | null = null;
  for (let i = 0; i < 6; i++) {
    // Invalid archives still spend a token: the limit protects the server's work, not the quota.
    last = await upload(bob.token, Buffer.from("junk"), "junk.zip", agent.id, `192.0.2.${i + 1}`);
    codes.push(last.status);
  }
  assert.equal(codes, [422, 422, 422, 422, 422, 429]);
  assert.ok(Number(last!.headers.get("retry-after")) >= 1);
  assert.is(last!.headers.get("x-ratelimit-remaining"), "0");
  await refill();
});

test("GET /submissions/:id is public; GET /submissions/agent/:agentId pages newest version first", async () => {
  await refill();
  const list = await (await h.call("GET", `/submissions/agent/${agentId}?pageSize=1`)).json();
  assert.is(list.total, 2);
  assert.is(list.submissions.length, 1);
  assert.is(list.submissions[0].version, 2);
  const one = await h.call("GET", `/submissions/${list.submissions[0].id}`);
  assert.is(one.status, 200);
  assert.is((await one.json()).submission.version, 2);
  assert.is((await h.call("GET", "/submissions/00000000-0000-4000-8000-000000000000")).status, 404);
  assert.is((await h.call("GET", "/submissions/agent/00000000-0000-4000-8000-000000000000")).status, 404);
});

test("build logs are for the owner only: 401 anonymous, 403 another user, 200 the owner", async () => {
  const { submissions } = await (await h.call("GET", `/submissions/agent/${agentId}`)).json();
  const id = submissions[0].id;
  assert.is((await h.call("GET", `/submissions/${id}/build-logs`)).status, 401);
  const other = await h.call("GET", `/submissions/${id}/build-logs`, { token: bob.token });
  assert.is(other.status, 403);
  const mine = await h.call("GET", `/submissions/${id}/build-logs`, { token: alice.token });
  assert.is(mine.status, 200);
  const body = await mine.json();
  assert.is(body.submissionId, id);
  assert.is(body.status, "pending");
  assert.is(body.buildLog, "");
});

test("activate refuses a version that has not built (409) and rebuild refuses a pending one (409); others get 403", async () => {
  await refill();
  const { submissions } = await (await h.call("GET", `/submissions/agent/${agentId}`)).json();
  const id = submissions[0].id;
  const act = await h.call("PUT", `/submissions/${id}/activate`, { token: alice.token });
  assert.is(act.status, 409);
  assert.match((await act.json()).message, /only a version that built successfully can be activated/);
  const reb = await h.call("POST", `/submissions/${id}/rebuild`, { token: alice.token });
  assert.is(reb.status, 409);
  assert.is((await h.call("PUT", `/submissions/${id}/activate`, { token: bob.token })).status, 403);
  assert.is((await h.call("POST", `/submissions/${id}/rebuild`, { token: bob.token })).status, 403);
  assert.is((await h.call("PUT", "/submissions/00000000-0000-4000-8000-000000000000/activate", { token: alice.token })).status, 404);
});

test("a built version can be activated and a failed one rebuilt by its owner", async () => {
  await refill();
  const { submissions } = await (await h.call("GET", `/submissions/agent/${agentId}`)).json();
  const [v2, v1] = submissions;
  // Play the builder's part through the SQL functions it uses.
  await h.db.sql`select start_build(${v1.id})`;
  await h.db.sql`select finish_build(${v1.id}, true, 'node', 'main.js', 'validation match: ok', null)`;
  await h.db.sql`select start_build(${v2.id})`;
  await h.db.sql`select finish_build(${v2.id}, false, null, null, 'validation match: crashed', 'the agent crashed on step 1')`;
  const v1now = await (await h.call("GET", `/submissions/${v1.id}`)).json();
  assert.is(v1now.submission.status, "active");
  assert.is(v1now.submission.isActive, true);
  const logs = await (await h.call("GET", `/submissions/${v2.id}/build-logs`, { token: alice.token })).json();
  assert.is(logs.status, "failed");
  assert.match(logs.buildLog, /crashed/);
  assert.is(logs.errorMessage, "the agent crashed on step 1");
  const reb = await h.call("POST", `/submissions/${v2.id}/rebuild`, { token: alice.token });
  assert.is(reb.status, 200);
  assert.is((await reb.json()).submission.status, "pending");
  const act = await h.call("PUT", `/submissions/${v1.id}/activate`, { token: alice.token });
  assert.is(act.status, 200, "activating the active version is a no-op");
  assert.is((await act.json()).submission.isActive, true);
  const agent = await (await h.call("GET", `/agents/${agentId}`)).json();
  assert.is(agent.agent.activeSubmissionId, v1.id);
});

test.run();
