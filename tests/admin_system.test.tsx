import { test } from "uvu";
import * as assert from "uvu/assert";
import { gzipSync } from "node:zlib";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import { signedIn, webApp } from "./helpers/web.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

let db: TestDatabase;
let app: ReturnType<typeof webApp>["app"];
let admin: { id: string; cookie: string };
let alice: { id: string; cookie: string };

test.before(async () => {
  db = await createTestDatabase();
  const web = webApp(db.sql, { sandboxStatus: () => ({ enabled: false, detail: "SANDBOX=none: uploaded code runs unsandboxed" }) });
  app = web.app;
  admin = await signedIn(web.deps, await makeUser(web.deps.sql, { name: "sysadmin", admin: true }));
  alice = await signedIn(web.deps, await makeUser(web.deps.sql, { name: "alice_sys" }));
});
test.after(async () => {
  await db.drop();
});

const get = (path: string, headers: Record<string, string> = {}) => app.request(`http://localhost${path}`, { headers });

test("the system page is for administrators only", async () => {
  assert.is((await get("/admin/system")).status, 303, "anonymous users are sent to the login form");
  assert.is((await get("/admin/system", { Cookie: alice.cookie })).status, 403);
  assert.is((await get("/admin/system/stream", { Cookie: alice.cookie })).status, 403);
});

test("the admin page links to the system page", async () => {
  const body = await (await get("/admin", { Cookie: admin.cookie })).text();
  assert.match(body, /<a href="\/admin\/system" id="system-link">/);
});

test("the system page shows headline numbers, queue health and the sandbox warning", async () => {
  const res = await get("/admin/system", { Cookie: admin.cookie });
  assert.is(res.status, 200);
  const body = await res.text();
  assert.match(body, /hx-sse:connect="\/admin\/system\/stream"/);
  assert.match(body, /data-stat="matches-running"><b>0<\/b>/);
  assert.match(body, /id="queue-health"/);
  assert.match(body, /data-queue="match.run"/);
  assert.match(body, /data-queue="submission.build"/);
  assert.match(body, /id="sandbox-warning"/);
  assert.match(body, /SANDBOX=none: uploaded code runs unsandboxed/);
});

test("the numbers are the database's: a waiting build and a failing agent show up", async () => {
  const [user] = await db.sql`select id from users where username = 'alice_sys'`;
  const [agent] = await db.sql`select * from create_agent(${user!.id}, 'pong', 'crashy <b>bot</b>', '')`;
  const [opponent] = await db.sql`select * from create_agent(${user!.id}, 'pong', 'steady', '')`;
  await db.sql`select create_builtin_submission(${agent!.id}, 'pong-random')`;
  await db.sql`select create_builtin_submission(${opponent!.id}, 'pong-tracker')`;
  await db.sql`select create_submission(${user!.id}, ${agent!.id}, 'node', 'main.js', ${Buffer.from("x")}, 'main.js')`;
  // One completed match in which seat 0 (the crashy bot) crashed.
  const [m] = await db.sql`select * from pair_agents('pong')`;
  await db.sql`select start_match(${m!.id})`;
  const crashedSeat = m!.player0_agent_id === agent!.id ? 0 : 1;
  await db.sql`select finish_match(${m!.id}, ${db.sql.json({ winner: 1 - crashedSeat, scores: [0, 0], end_reason: "crash", total_steps: 3, faulted_player: crashedSeat })}, ${gzipSync("{}")}, ${["", ""]}::text[])`;

  const body = await (await get("/admin/system", { Cookie: admin.cookie })).text();
  assert.match(body, /data-stat="builds-waiting"><b>1<\/b>/);
  assert.match(body, /data-stat="matches-completed-hour"><b>1<\/b>/);
  assert.match(body, /data-stat="forfeit-rate"><b>100%<\/b>/);
  assert.match(body, /id="failing-agents"/);
  assert.match(body, /crashy &lt;b&gt;bot&lt;\/b&gt;/, "agent names are escaped");
});

test("the stream sends a fresh panel as an unnamed SSE message", async () => {
  const res = await get("/admin/system/stream", { Cookie: admin.cookie });
  assert.is(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  assert.not.match(text, /^event:/m, "htmx 4 swaps unnamed messages");
  assert.match(text, /^data: <div class="system-panel"/m);
  assert.match(text, /^id: 1$/m);
});

test.run();
