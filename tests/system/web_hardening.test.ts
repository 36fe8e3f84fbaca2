/**
 * What an attacker sends to the built platform (`node dist/main.js`) over real HTTP (issue 11,
 * items 6–11): live streams beyond the caps, topic ids that name nothing, open redirects after a
 * login, a spoofed X-Forwarded-For, NUL bytes and broken bodies, prototype keys as file names,
 * another user's build errors, the API's headers and cross-site writes of any Content-Type.
 * None of it may cost a 500 or an ERROR line in the server's log.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser, type HttpUser } from "../helpers/http_user.ts";
import { waitFor } from "../helpers/processes.ts";

const EVIL = "https://evil.example";
const PER_CLIENT = 3;
const TOTAL = 4;

let platform: BuiltPlatform;
let url: string;
let alice: HttpUser;
let bob: HttpUser;
let carol: HttpUser;
let agentId: string;

test.before(async () => {
  platform = await startBuiltPlatform({ env: { SSE_MAX_STREAMS: String(TOTAL), SSE_MAX_STREAMS_PER_CLIENT: String(PER_CLIENT) } });
  url = platform.url;
  alice = await registerUser(url, "alice");
  bob = await registerUser(url, "bob");
  carol = await registerUser(url, "carol");
  const res = await alice.api("/agents", { method: "POST", json: { name: "Target", environmentId: "pong" } });
  assert.is(res.status, 201, await res.clone().text());
  agentId = (await res.json()).agent.id;
});
test.after(async () => {
  await platform?.stop();
});

/** Login and sign-up share one per-address bucket (5 a minute); tests that are not about it start full. */
const refill = () => platform.sql!`delete from rate_limit_buckets`;

/** Opens /events; resolves once the stream said it is connected (or was refused). */
async function openStream(query: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(`${url}/events?${query}`, { headers, signal: ac.signal });
  if (res.status === 200) {
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), ": connected");
  }
  return { res, close: () => ac.abort() };
}

test("live streams beyond the caps get 429 with Retry-After, and other requests stay fast", async () => {
  const mine = [];
  for (let i = 0; i < PER_CLIENT; i++) mine.push(await openStream("topics=feed,leaders"));
  for (const s of mine) assert.is(s.res.status, 200);
  const over = await openStream("topics=feed");
  assert.is(over.res.status, 429, "one more anonymous stream from 127.0.0.1");
  assert.is(over.res.headers.get("retry-after"), "10");
  assert.match(await over.res.text(), `the limit is ${PER_CLIENT} per client (SSE_MAX_STREAMS_PER_CLIENT)`);
  const bobs = await openStream("topics=submissions", { Cookie: bob.cookie });
  assert.is(bobs.res.status, 200, "a signed-in user has a budget of their own");
  const carols = await openStream("topics=submissions", { Cookie: carol.cookie });
  assert.is(carols.res.status, 429, `the process holds at most ${TOTAL}`);
  assert.match(await carols.res.text(), `the limit is ${TOTAL} (SSE_MAX_STREAMS)`);
  const started = performance.now();
  const api = await fetch(`${url}/api/v1/environments`);
  assert.is(api.status, 200);
  assert.ok(performance.now() - started < 2000, `GET /api/v1/environments took ${Math.round(performance.now() - started)} ms`);
  for (const s of [...mine, bobs]) s.close();
  await waitFor(async () => {
    const again = await openStream("topics=feed");
    again.close();
    return again.res.status === 200;
  }, 5000, () => "a slot to be free again after the streams closed");
});

test("a topic that names no agent or match is a 400", async () => {
  for (const topic of ["agent:not-a-uuid", "match:1", "agent:" + "f".repeat(64)]) {
    // since= from another process asks for a fresh render at once: before the fix, an ERROR per topic.
    const res = await fetch(`${url}/events?topics=${encodeURIComponent(topic)}&since=00000000-1`);
    assert.is(res.status, 400, topic);
    assert.match(await res.text(), "unknown topic");
  }
});

test("after a login, next= never leaves the site", async () => {
  await refill();
  const form = await fetch(`${url}/login?next=/%09/evil.example/phish`);
  assert.is(form.status, 200);
  assert.not.match(await form.text(), "evil.example");
  for (const next of ["/\t/evil.example/phish", "//evil.example/phish", "/\\evil.example", "/\\/evil.example", "https://evil.example/", "/\n/evil.example"]) {
    await refill();
    const res = await fetch(`${url}/login`, {
      method: "POST", redirect: "manual",
      headers: { Origin: url, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ login: "alice", password: alice.password, next }),
    });
    assert.is(res.status, 303, JSON.stringify(next));
    assert.is(res.headers.get("location"), "/", JSON.stringify(next));
  }
});

test("a spoofed X-Forwarded-For does not get around the login limit (no TRUST_PROXY)", async () => {
  await refill();
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": `203.0.113.${i + 1}` },
      body: JSON.stringify({ username: "alice", password: "not her password" }),
    });
    statuses.push(res.status);
  }
  assert.equal(statuses, [401, 401, 401, 401, 401, 429]);
  await refill();
});

test("with TRUST_PROXY listing the proxy, its X-Forwarded-For names the client", async () => {
  const behindProxy = await startBuiltPlatform({ env: { TRUST_PROXY: "127.0.0.1" } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${behindProxy.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Forwarded-For": `203.0.113.${i + 1}` },
        body: JSON.stringify({ username: "nobody", password: "not a password" }),
      });
      statuses.push(res.status);
    }
    assert.equal(statuses, [401, 401, 401, 401, 401, 401], "six clients, one attempt each");
  } finally {
    await behindProxy.stop();
  }
});

test("a NUL in a query parameter, path segment, JSON string or form field is a 4xx", async () => {
  for (const path of ["/api/v1/agents?environmentId=po%00ng", "/api/v1/leaderboard/environment/po%00ng", "/environments/po%00ng", "/matches?page=%00", "/static/app%00.css"]) {
    const res = await fetch(url + path);
    assert.is(res.status, 400, path);
  }
  const json = await alice.api("/agents", { method: "POST", json: { name: "Nul", environmentId: "pong", description: "a\u0000b" } });
  assert.is(json.status, 400, await json.clone().text());
  const form = await alice.page("/agents", {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ environmentId: "pong", name: "Nul", description: "a\u0000b" }),
  });
  assert.ok(form.status >= 400 && form.status < 500, `form: ${form.status}`);
});

test("a malformed multipart body is a 400 on the form routes and the upload API", async () => {
  await refill();
  const headers = { "Content-Type": "multipart/form-data; boundary=xyz" };
  const body = "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary";
  for (const path of ["/login", "/signup", "/agents", `/agents/${agentId}`, "/submissions"]) {
    const res = await alice.page(path, { method: "POST", headers, body });
    assert.is(res.status, 400, path);
  }
  const api = await alice.api("/submissions", { method: "POST", headers, body });
  assert.is(api.status, 400);
  await refill();
});

test("/static/vendor/constructor and other prototype keys are 404", async () => {
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    assert.is((await fetch(`${url}/static/vendor/${name}`)).status, 404, name);
  }
});

test("a failed build's errorMessage is shown to its owner, never to anonymous readers or other users", async () => {
  const form = new FormData();
  form.set("agentId", agentId);
  form.set("file", new Blob([`process.stderr.write("PRIVATE-BUILD-OUTPUT\\n"); throw new Error("PRIVATE-CRASH");\n`]), "main.js");
  const created = await alice.api("/submissions", { method: "POST", body: form });
  assert.is(created.status, 201, await created.clone().text());
  const id = (await created.json()).submission.id;
  let owner: { status: string; errorMessage: string | null } | undefined;
  await waitFor(async () => {
    owner = (await (await alice.api(`/submissions/${id}`)).json()).submission;
    return owner?.status === "failed";
  }, 90_000, () => `the build of ${id} to fail; last: ${JSON.stringify(owner)}`);
  assert.ok(owner!.errorMessage, "the owner reads why it failed");
  const anonymous = await fetch(`${url}/api/v1/submissions/${id}`);
  const anonymousText = await anonymous.text();
  assert.is(JSON.parse(anonymousText).submission.errorMessage, null);
  assert.not.match(anonymousText, "PRIVATE");
  const list = await fetch(`${url}/api/v1/submissions/agent/${agentId}`);
  assert.not.match(await list.text(), "PRIVATE");
  const other = await (await bob.api(`/submissions/${id}`)).json();
  assert.is(other.submission.errorMessage, null);
});

test("API answers carry nosniff, a referrer policy and frame protection", async () => {
  for (const [path, status] of [["/api/v1/environments", 200], ["/api/v1/nothing", 404], ["/api/v1/agents/my", 401]] as const) {
    const res = await fetch(url + path);
    assert.is(res.status, status, path);
    assert.is(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.is(res.headers.get("referrer-policy"), "no-referrer", path);
    assert.is(res.headers.get("x-frame-options"), "SAMEORIGIN", path);
    assert.match(res.headers.get("content-security-policy") ?? "", "frame-ancestors 'none'", path);
  }
});

test("a cross-site POST with the session cookie is refused whatever its Content-Type", async () => {
  for (const type of ["text/plain", "application/json", "application/x-www-form-urlencoded"]) {
    const page = await alice.page(`/agents/${agentId}/delete`, { method: "POST", headers: { Origin: EVIL, "Content-Type": type }, body: "{}" });
    assert.is(page.status, 403, `page, ${type}`);
    const api = await fetch(`${url}/api/v1/agents`, {
      method: "POST", headers: { Cookie: alice.cookie, Origin: EVIL, "Content-Type": type },
      body: JSON.stringify({ name: "Forged", environmentId: "pong" }),
    });
    assert.is(api.status, 403, `api, ${type}`);
  }
  const agent = await fetch(`${url}/api/v1/agents/${agentId}`);
  assert.is(agent.status, 200, "the agent is still there");
  const [{ n }] = await platform.sql!`select count(*)::int as n from agents where name = 'Forged'`;
  assert.is(n, 0);
});

test("none of the above logged an ERROR or answered 500", () => {
  const output = platform.output();
  const errors = output.split("\n").filter((l) => /\bERROR\b|"level":"error"|status=5\d\d|"status":5\d\d/.test(l));
  assert.equal(errors, [], errors.join("\n"));
});

test.run();
