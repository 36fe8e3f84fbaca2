/**
 * What an attacker sends to the web layer (issue 11, items 6–11), against the real app on a real
 * database: live-stream caps and topic ids, open redirects after login, X-Forwarded-For from
 * untrusted peers, NUL bytes and broken bodies, prototype keys as file names, build errors of
 * other people's agents, security headers on the API, cross-site writes of any Content-Type.
 */
import { Hono } from "hono";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadConfig } from "../src/config.ts";
import { clientIp, parseTrustProxy } from "../src/web/http/client_ip.ts";
import { safeNext } from "../src/web/pages/session_routes.tsx";
import { isTopic } from "../src/web/live/topics.ts";
import { createApiHarness, viaProxy, type ApiHarness } from "./helpers/web.ts";

const ORIGIN = "http://arena.test";
const EVIL = "https://evil.example";

let h: ApiHarness;
let alice: { token: string; user: { id: string; username: string } };
let bob: { token: string; user: { id: string; username: string } };
let admin: { token: string; user: { id: string; username: string } };
let agentId: string;

test.before(async () => {
  h = await createApiHarness({ SSE_MAX_STREAMS: "3", SSE_MAX_STREAMS_PER_CLIENT: "2" });
  alice = await h.register("alice");
  bob = await h.register("bob");
  admin = await h.register("root");
  await h.db.sql`update users set role = 'admin' where id = ${admin.user.id}`;
  // A role change may end the user's sessions: sign in again as the administrator.
  admin.token = (await (await h.call("POST", "/auth/login", { body: { username: "root", password: "long-enough-pw" } })).json()).token;
  const res = await h.call("POST", "/agents", { token: alice.token, body: { name: "Tracker", environmentId: "pong" } });
  agentId = (await res.json()).agent.id;
});
test.after(async () => {
  await h.close();
});

/** A request to the whole app (pages, /events, /static, /api) from `ip` behind the harness's trusted proxy. */
function request(path: string, init: RequestInit & { ip?: string } = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("x-forwarded-for")) headers.set("x-forwarded-for", init.ip ?? "198.51.100.1");
  return Promise.resolve(h.app.request(ORIGIN + path, { ...init, headers }, viaProxy));
}

const cookieOf = (who: { token: string }) => `session=${who.token}`;
const refill = () => h.db.sql`delete from rate_limit_buckets`;

// ---------------------------------------------------------------------------------------------
// Item 6: live streams.

/** Opens /events; `close()` aborts it the way a closing tab does. */
async function openStream(query: string, ip: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await request(`/events?${query}`, { headers, signal: ac.signal, ip });
  const reader = res.status === 200 ? res.body!.getReader() : null;
  if (reader) await reader.read(); // the ": connected" line: the stream is subscribed
  return { res, async close() { ac.abort(); await reader?.cancel().catch(() => {}); } };
}

test("live streams are capped per client and per process with 429 and Retry-After", async () => {
  const a1 = await openStream("topics=feed", "203.0.113.1");
  const a2 = await openStream("topics=feed", "203.0.113.1");
  assert.is(a1.res.status, 200);
  assert.is(a2.res.status, 200);
  const a3 = await openStream("topics=feed", "203.0.113.1");
  assert.is(a3.res.status, 429, "a third stream from one address is over SSE_MAX_STREAMS_PER_CLIENT=2");
  assert.is(a3.res.headers.get("retry-after"), "10");
  assert.match(await a3.res.text(), /ip 203\.0\.113\.1 already has 2 live streams open; the limit is 2 per client \(SSE_MAX_STREAMS_PER_CLIENT\)/);
  const b1 = await openStream("topics=feed", "203.0.113.2");
  assert.is(b1.res.status, 200, "another address has its own budget");
  const c1 = await openStream("topics=feed", "203.0.113.3");
  assert.is(c1.res.status, 429, "the fourth stream of the process is over SSE_MAX_STREAMS=3");
  assert.match(await c1.res.text(), /the limit is 3 \(SSE_MAX_STREAMS\)/);
  const page = await request("/api/v1/environments", { ip: "203.0.113.3" });
  assert.is(page.status, 200, "other requests are still served");
  await a1.close();
  await new Promise((r) => setTimeout(r, 50));
  const c2 = await openStream("topics=feed", "203.0.113.3");
  assert.is(c2.res.status, 200, "a closed stream frees its slot");
  for (const s of [a2, b1, c2]) await s.close();
});

test("a signed-in user's streams count against the user, wherever they come from", async () => {
  const s1 = await openStream("topics=submissions", "203.0.113.10", { Cookie: cookieOf(bob) });
  const s2 = await openStream("topics=submissions", "203.0.113.11", { Cookie: cookieOf(bob) });
  const s3 = await openStream("topics=submissions", "203.0.113.12", { Cookie: cookieOf(bob) });
  assert.is(s1.res.status, 200);
  assert.is(s2.res.status, 200);
  assert.is(s3.res.status, 429);
  assert.match(await s3.res.text(), `user ${bob.user.id} already has 2 live streams open`);
  await s1.close();
  await s2.close();
});

test("a HEAD of /events holds no stream slot: the next GET from that address is served", async () => {
  for (let i = 0; i < 3; i++) {
    const head = await request("/events?topics=feed", { method: "HEAD", ip: "203.0.113.40" });
    assert.is(head.status, 200, `HEAD ${i + 1}`);
    assert.is(head.headers.get("content-type"), "text/event-stream");
  }
  await new Promise((r) => setTimeout(r, 50));
  const get = await openStream("topics=feed", "203.0.113.40");
  assert.is(get.res.status, 200, "HEAD requests left the address's SSE_MAX_STREAMS_PER_CLIENT=2 slots taken");
  await get.close();
});

test("an IPv6 client is one client per /64: new addresses of its prefix get no new stream or login budget", async () => {
  const net = "2001:db8:5:6";
  const s1 = await openStream("topics=feed", `${net}::1`);
  const s2 = await openStream("topics=feed", `${net}:0:0:0:2`);
  const s3 = await openStream("topics=feed", `${net}:ffff:ab:cd:ef`);
  assert.is(s1.res.status, 200);
  assert.is(s2.res.status, 200);
  assert.is(s3.res.status, 429, "a third address of the same /64 is over SSE_MAX_STREAMS_PER_CLIENT=2");
  assert.match(await s3.res.text(), /ip 2001:db8:5:6::\/64 already has 2 live streams open/);
  await s1.close();
  await s2.close();
  await refill();
  const [{ capacity }] = await h.db.sql`select setting_number('rate_limit_auth_per_min')::int as capacity`;
  const statuses: number[] = [];
  for (let i = 0; i <= capacity; i++) {
    const res = await h.call("POST", "/auth/login", { ip: `2001:db8:7:8:${(i + 1).toString(16)}::${i + 1}`, body: { username: "nobody", password: "wrong-password" } });
    statuses.push(res.status);
  }
  assert.is(statuses.at(-1), 429, `attempt ${capacity + 1} from the one /64 is over the login limit (${statuses.join(", ")})`);
  const other = await h.call("POST", "/auth/login", { ip: "2001:db8:7:9::1", body: { username: "nobody", password: "wrong-password" } });
  assert.is(other.status, 401, "the next /64 has its own budget");
  await refill();
});

test("agent and match topics must name a UUID: anything else is a 400, never a failing render", async () => {
  assert.ok(isTopic(`agent:${agentId}`));
  for (const bad of ["agent:not-a-uuid", "match:1", "agent:" + "a".repeat(64), `match:${agentId}x`]) {
    assert.not.ok(isTopic(bad), bad);
    const res = await request(`/events?topics=${encodeURIComponent(bad)}`);
    assert.is(res.status, 400, bad);
    assert.match(await res.text(), "unknown topic");
  }
});

// ---------------------------------------------------------------------------------------------
// Item 7: where a login may send the browser.

test("safeNext keeps paths on this origin and turns every way out into /", () => {
  for (const [next, expected] of [
    ["/agents/x?tab=logs#top", "/agents/x?tab=logs#top"],
    ["/profile", "/profile"],
    ["/\t/evil.example/phish", "/"],
    ["/\n/evil.example", "/"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["/\\/evil.example", "/"],
    ["https://evil.example/", "/"],
    ["evil.example", "/"],
    ["/ /evil.example", "/"],
    ["/%09/evil.example", "/%09/evil.example"], // stays a path: a browser does not drop an encoded tab
    ["", "/"],
  ] as const) assert.is(safeNext(next, ORIGIN), expected, JSON.stringify(next));
  assert.is(safeNext(undefined, ORIGIN), "/");
});

test("a login with next=/%09/evil.example/phish (and other ways out) lands on / of this site", async () => {
  await h.db.sql`delete from rate_limit_buckets`;
  for (const next of ["/\t/evil.example/phish", "//evil.example", "/\\evil.example", "https://evil.example"]) {
    const page = await request(`/login?next=${encodeURIComponent(next)}`);
    assert.is(page.status, 200);
    assert.not.match(await page.text(), "evil.example", "the form does not carry it along");
    const res = await request("/login", {
      method: "POST", ip: `192.0.2.${next.length}`,
      headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ login: "alice", password: "long-enough-pw", next }),
    });
    assert.is(res.status, 303, JSON.stringify(next));
    assert.is(res.headers.get("location"), "/", JSON.stringify(next));
  }
  const kept = await request("/login", {
    method: "POST", ip: "192.0.2.99",
    headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ login: "alice", password: "long-enough-pw", next: `/agents/${agentId}` }),
  });
  assert.is(kept.headers.get("location"), `/agents/${agentId}`);
});

// ---------------------------------------------------------------------------------------------
// Item 8: which X-Forwarded-For to believe.

/** A real Hono app answering with the client address clientIp finds. */
function ipApp(trust: string) {
  const config = { TRUST_PROXY: trust };
  const app = new Hono();
  app.get("/", (c) => c.text(clientIp(c, config)));
  return (peer: string | null, forwarded?: string) =>
    Promise.resolve(app.request("/", { headers: forwarded ? { "x-forwarded-for": forwarded } : {} }, peer ? { incoming: { socket: { remoteAddress: peer } } } : undefined)).then((r) => r.text());
}

test("X-Forwarded-For is ignored unless the peer is a proxy listed in TRUST_PROXY", async () => {
  const none = ipApp("");
  assert.is(await none("127.0.0.1", "203.0.113.7"), "127.0.0.1", "loopback is not trusted by default");
  assert.is(await none("10.1.2.3", "203.0.113.7"), "10.1.2.3", "nor private networks");
  assert.is(await none(null, "203.0.113.7"), "unknown", "no socket: no peer to trust");
  const listed = ipApp("10.0.0.0/8, 127.0.0.1");
  assert.is(await listed("10.1.2.3", "203.0.113.7"), "203.0.113.7");
  assert.is(await listed("::ffff:10.1.2.3", "203.0.113.7"), "203.0.113.7", "IPv4-mapped peers match IPv4 entries");
  assert.is(await listed("192.168.1.5", "203.0.113.7"), "192.168.1.5", "a private peer that is not listed");
  assert.is(await listed("10.1.2.3", "6.6.6.6, 203.0.113.7, 10.0.0.9"), "203.0.113.7", "read from the right, past our own proxies; the client's own entries prove nothing");
  assert.is(await listed("10.1.2.3", "garbage"), "10.1.2.3", "an entry that is not an address");
  assert.is(await listed("10.1.2.3"), "10.1.2.3");
});

test("TRUST_PROXY names the entry it cannot read", () => {
  assert.throws(() => parseTrustProxy("10.0.0.0/8,example.com"), /"example\.com" is not an IP address or CIDR/);
  assert.throws(() => parseTrustProxy("10.0.0.0/33"), /"10\.0\.0\.0\/33"/);
  assert.throws(() => loadConfig({ DATA_DIR: "/tmp/rla-config-test", JWT_SECRET: "t".repeat(40), TRUST_PROXY: "nope" }), /TRUST_PROXY="nope": "nope" is not an IP address/);
  assert.is(loadConfig({ DATA_DIR: "/tmp/rla-config-test", JWT_SECRET: "t".repeat(40), TRUST_PROXY: "fd00::/8,127.0.0.1" }).TRUST_PROXY, "fd00::/8,127.0.0.1");
});

test("without TRUST_PROXY a spoofed X-Forwarded-For does not get around the login limit", async () => {
  const direct = await createApiHarness({ TRUST_PROXY: "" });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await direct.call("POST", "/auth/login", { ip: `203.0.113.${100 + i}`, body: { username: "nobody", password: "wrong-password" } });
      statuses.push(res.status);
    }
    assert.equal(statuses, [401, 401, 401, 401, 401, 429], "every attempt comes from the one peer, 127.0.0.1");
  } finally {
    await direct.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Item 9: bad input is a 4xx.

test("a NUL in a query parameter or path segment is a 400 on pages and the API", async () => {
  for (const path of ["/api/v1/leaderboard/environment/po%00ng", "/api/v1/agents?environmentId=po%00ng", "/environments/po%00ng", "/environments/pong?agent=%00", "/static/app%00.css"]) {
    const res = await request(path);
    assert.is(res.status, 400, path);
  }
  const api = await request("/api/v1/leaderboard/environment/po%00ng");
  assert.match((await api.json()).message, /NUL character \(%00\)/);
});

test("a NUL in a JSON string or a form field is a 4xx naming the rule, not a 500", async () => {
  const json = await h.call("POST", "/agents", { token: alice.token, body: { name: "Nul", environmentId: "pong", description: "a\u0000b" } });
  assert.is(json.status, 400);
  assert.match((await json.json()).message, /NUL/);
  const login = await h.call("POST", "/auth/login", { body: { username: "ali\u0000ce", password: "long-enough-pw" } });
  assert.is(login.status, 400);
  const form = await request("/agents", {
    method: "POST", headers: { Origin: ORIGIN, Cookie: cookieOf(alice), "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ environmentId: "pong", name: "Nul", description: "a\u0000b" }),
  });
  assert.ok(form.status >= 400 && form.status < 500, `form: ${form.status}`);
  const [{ n }] = await h.db.sql`select count(*)::int as n from agents where name = 'Nul'`;
  assert.is(n, 0);
});

const BROKEN = { "Content-Type": "multipart/form-data; boundary=xyz", Origin: ORIGIN };
const brokenBody = "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary";

test("a malformed multipart body is a 400 on the form routes", async () => {
  await refill();
  for (const [path, who] of [["/login", null], ["/signup", null], ["/agents", alice], [`/agents/${agentId}`, alice], ["/submissions", alice], ["/admin/settings", admin]] as const) {
    const headers: Record<string, string> = { ...BROKEN };
    if (who) headers.Cookie = cookieOf(who);
    const res = await request(path, { method: "POST", headers, body: brokenBody, ip: "192.0.2.200" });
    assert.is(res.status, 400, `${path}: ${res.status}`);
  }
});

test("no POST route of the pages answers 500 to a malformed multipart body", async () => {
  await refill();
  // An administrator of its own: /logout and the like need no body and will end its sessions.
  const sweeper = await h.register("sweeper");
  await h.db.sql`update users set role = 'admin' where id = ${sweeper.user.id}`;
  sweeper.token = (await (await h.call("POST", "/auth/login", { body: { username: "sweeper", password: "long-enough-pw" } })).json()).token;
  const posts = h.app.routes.filter((r) => r.method === "POST" && !r.path.startsWith("/api") && !r.path.includes("*"));
  assert.ok(posts.length >= 8, `found ${posts.length} routes`);
  for (const r of posts) {
    const path = r.path.replace(/:[a-zA-Z]+/g, crypto.randomUUID()); // ids of nothing: the sweep must not delete what later tests use
    const res = await request(path, { method: "POST", headers: { ...BROKEN, Cookie: cookieOf(sweeper) }, body: brokenBody, ip: "192.0.2.201" });
    assert.ok(res.status < 500, `${r.path}: ${res.status}`);
  }
});

test("/static/vendor/ names that are Object.prototype keys are 404", async () => {
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
    const res = await request(`/static/vendor/${name}`);
    assert.is(res.status, 404, name);
  }
  assert.is((await request("/static/vendor/htmx.min.js")).status, 200);
});

// ---------------------------------------------------------------------------------------------
// Item 10: a failed build's message is the owner's.

test("a failed build's errorMessage reaches its owner and admins only", async () => {
  await refill();
  const [sub] = await h.db.sql`select * from create_submission(${alice.user.id}, ${agentId}, 'node', 'main.js', ${Buffer.from("not really a zip")}, 'agent.zip')`;
  await h.db.sql`select start_build(${sub.id})`;
  await h.db.sql`select finish_build(${sub.id}, false, null, null, 'build log', 'SECRET agent output')`;
  const read = async (token?: string) => {
    const one = await (await h.call("GET", `/submissions/${sub.id}`, { token })).json();
    const list = await (await h.call("GET", `/submissions/agent/${agentId}`, { token })).json();
    return [one.submission.errorMessage, list.submissions.find((s: { id: string }) => s.id === sub.id).errorMessage];
  };
  assert.equal(await read(), [null, null], "anonymous");
  assert.equal(await read(bob.token), [null, null], "another user");
  assert.equal(await read(alice.token), ["SECRET agent output", "SECRET agent output"], "the owner");
  assert.equal(await read(admin.token), ["SECRET agent output", "SECRET agent output"], "an admin");
  const anon = await h.call("GET", `/submissions/${sub.id}`);
  assert.not.match(await anon.text(), "SECRET");
});

// ---------------------------------------------------------------------------------------------
// Item 11: headers and cross-site writes.

test("API answers carry the security headers, errors included", async () => {
  for (const [path, status] of [["/api/v1/environments", 200], ["/api/v1/nothing-here", 404], ["/api/v1/agents/my", 401]] as const) {
    const res = await request(path);
    assert.is(res.status, status, path);
    assert.is(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.is(res.headers.get("referrer-policy"), "no-referrer", path);
    assert.is(res.headers.get("x-frame-options"), "SAMEORIGIN", path);
    assert.match(res.headers.get("content-security-policy") ?? "", "frame-ancestors 'none'", path);
  }
});

test("a cross-site write with the session cookie is refused whatever its Content-Type", async () => {
  const [victim] = await h.db.sql`select * from create_agent(${alice.user.id}, 'pong', 'Victim', '')`;
  const types = ["text/plain", "application/json", "application/octet-stream", "application/x-www-form-urlencoded"];
  for (const type of types) {
    const page = await request(`/agents/${victim.id}/delete`, { method: "POST", headers: { Origin: EVIL, Cookie: cookieOf(alice), "Content-Type": type }, body: "x=1" });
    assert.is(page.status, 403, `page, ${type}`);
  }
  for (const type of types) {
    const api = await request(`/api/v1/agents/${victim.id}`, { method: "DELETE", headers: { Origin: EVIL, Cookie: cookieOf(alice), "Content-Type": type }, body: "{}" });
    assert.is(api.status, 403, `api, ${type}`);
    assert.match((await api.json()).message, `must come from ${ORIGIN}`);
  }
  const noOrigin = await request(`/agents/${victim.id}/delete`, { method: "POST", headers: { "Sec-Fetch-Site": "cross-site", Cookie: cookieOf(alice), "Content-Type": "application/json" } });
  assert.is(noOrigin.status, 403, "Sec-Fetch-Site: cross-site without Origin");
  const [still] = await h.db.sql`select deleted_at from agents where id = ${victim.id}`;
  assert.is(still.deleted_at, null, "the agent survived every attempt");
  const same = await request(`/agents/${victim.id}/delete`, { method: "POST", headers: { "Sec-Fetch-Site": "same-origin", Cookie: cookieOf(alice), "Content-Type": "application/json" } });
  assert.is(same.status, 303, "the site's own page may");
});

test("a Bearer request is not CSRF-able and needs no Origin; nor does a cookie-less API login", async () => {
  await refill();
  const [mine] = await h.db.sql`select * from create_agent(${alice.user.id}, 'pong', 'Scripted', '')`;
  const res = await request(`/api/v1/agents/${mine.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${alice.token}`, Origin: EVIL } });
  assert.is(res.status, 200, await res.clone().text());
  const login = await request("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: "alice", password: "long-enough-pw" }), ip: "192.0.2.77" });
  assert.is(login.status, 200);
});

test.run();
