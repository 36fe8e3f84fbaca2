/**
 * Issue 6 web figures on loopback:
 * 1. GET /environments/pong (the full server-rendered page: leaderboard of 50, 20 recent
 *    matches, rules) under `connections` concurrent clients, measured with wrk
 *    (apt-get install -y wrk): requests/s and latency percentiles.
 * 2. SSE fan-out: `clients` connections to /events?topics=feed,feed:pong,leaderboard:pong; a
 *    match.finished event is sent with pg_notify and we time, per client, from just before the
 *    NOTIFY to the arrival of the pushed fragments (the hub renders three topics and writes
 *    one message per client). One uncounted warm-up event first (the process's first fan-out
 *    runs cold; its time is printed apart), then `rounds` events; p50/p99/max over all their
 *    deliveries.
 *
 *   node --import tsx bench/web_pages.ts [agents=300] [seconds=15] [connections=100] [clients=1000] [rounds=5]
 */
import { execFile, fork, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { listEnvironments } from "rl-arena-env";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { createApp } from "../src/web/app.ts";
import { liveRenderer } from "../src/web/live/renderers.tsx";
import { LiveHub } from "../src/web/live/hub.ts";
import { seedDemo } from "../src/demo.ts";
import { benchDatabase } from "./_sql_db.ts";

const [agents = 300, seconds = 15, connections = 100, clients = 1000, rounds = 5] = process.argv.slice(2).map(Number);
const log = createLogger({ level: "warn" });
const db = await benchDatabase(10);
const { sql } = db;

// Seed: environment descriptions, the demo agents, `agents` more Pong agents with active built-in versions.
for (const e of listEnvironments()) await sql`select upsert_environment(${e.id}, ${e.version}, ${e.name}, ${sql.json(JSON.parse(JSON.stringify(e)))})`;
await seedDemo(sql, log);
const [owner] = await sql`select id from users where username = 'demo'`;
for (let i = 0; i < agents; i++) {
  const [a] = await sql`select id from create_agent(${owner.id}, 'pong', ${`bench-${i}`}, '')`;
  await sql`select create_builtin_submission(${a.id}, 'pong-random')`;
  await sql`update agents set rating = ${1200 + Math.floor(Math.random() * 600)} where id = ${a.id}`;
}

// 200 completed matches between neighbouring bench agents, so the page's feed is full (rows
// written directly: the same columns finish_match fills; no rating side effects needed here).
await sql`
  with a as (select id, active_submission_id as sub, rating, row_number() over (order by name) as n from agents where name like 'bench-%')
  insert into matches (environment_id, environment_version, status, player0_agent_id, player1_agent_id,
    player0_submission_id, player1_submission_id, seed, winner_seat, end_reason, total_steps,
    player0_rating_before, player1_rating_before, player0_rating_after, player1_rating_after,
    player0_rating_change, player1_rating_change, player0_score, player1_score, created_at, started_at, ended_at, deadline)
  select 'pong', '1.0.0', 'completed', x.id, y.id, x.sub, y.sub, g, 0, 'score', 1000,
    x.rating, y.rating, x.rating + 12, y.rating - 12, 12, -12, 3, 1,
    now() - g * interval '1 minute', now() - g * interval '1 minute', now() - g * interval '1 minute' + interval '20 seconds', now()
  from generate_series(1, 200) g join a x on x.n = 1 + (g % ${agents}) join a y on y.n = 1 + ((g + 1) % ${agents})`;

// Every bench client comes from 127.0.0.1: the per-client SSE cap (20 by default) is lifted to the client count.
const config = loadConfig({
  NODE_ENV: "production", JWT_SECRET: "bench-secret-bench-secret-bench-secret", LOG_LEVEL: "warn", DATA_DIR: "/tmp/rla-bench-web",
  SSE_MAX_STREAMS: String(Math.max(1000, clients + 10)), SSE_MAX_STREAMS_PER_CLIENT: String(Math.min(10_000, clients + 10)),
});
const renderer = liveRenderer(sql);
const sizes = await Promise.all(["leaderboard:pong", "feed:pong"].map(async (t) => `${t} ${(await renderer(t, null, [])).length} bytes`));
console.log(`what one match.finished pushes to an environment page: ${sizes.join(", ")}`);
const hub = new LiveHub(renderer, log);
await hub.listen(sql);
const app = createApp({ sql, log, config, hub });
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
await new Promise<void>((r) => server.once("listening", () => r()));
const port = (server.address() as AddressInfo).port;
const base = `http://127.0.0.1:${port}`;
console.log(`PostgreSQL: ${db.server}; ${agents} extra agents seeded; serving ${base}`);

// ---- 1. environment page under load ---------------------------------------------------------
const wrk = spawnSync("wrk", ["--version"], { encoding: "utf8" });
if (wrk.error) console.log("wrk is not installed (apt-get install -y wrk): skipping the page load test");
else {
  const t0 = performance.now();
  const probe = await fetch(`${base}/environments/pong`);
  console.log(`one request: ${probe.status}, ${(await probe.text()).length} bytes, ${(performance.now() - t0).toFixed(1)} ms`);
  // wrk runs as a child process without blocking this event loop (the server lives here).
  const run = promisify(execFile);
  await run("wrk", ["-t2", `-c${connections}`, "-d5s", "--timeout", "10s", `${base}/environments/pong`]); // warm-up
  const result = await run("wrk", ["-t2", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "--latency", `${base}/environments/pong`]);
  const out = result.stdout;
  if (!/Requests\/sec/.test(out)) console.log(out, result.stderr);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const pct = (p: string) => new RegExp(`\\s${p}%\\s+([\\d.]+\\w+)`).exec(out)?.[1];
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? "0";
  console.log(`GET /environments/pong, ${connections} connections, ${seconds} s: ${rps} req/s, p50 ${pct("50")}, p90 ${pct("90")}, p99 ${pct("99")}, non-2xx ${non2xx}`);
}

// ---- 2. SSE fan-out ---------------------------------------------------------------------------
// The clients live in a child process, as real browsers would not share the server's event loop.
// Topics are the environment page's: its feed and its leaderboard.
const child = fork(new URL("./web_sse_clients.ts", import.meta.url).pathname, [`${base}/events?topics=feed:pong,leaderboard:pong`, String(clients)],
  { execArgv: ["--import", "tsx"] });
const fromChild = <T>(pred: (m: any) => boolean) => new Promise<T>((resolve) => {
  const on = (m: any) => { if (pred(m)) { child.off("message", on); resolve(m); } };
  child.on("message", on);
});
// The clients' process ends only on {exit}: an earlier exit is a failure (a refused stream).
child.on("exit", (code) => { if (code !== 0) { console.error(`the SSE clients' process failed (exit ${code})`); process.exit(1); } });
await fromChild((m) => m.ready);
console.log(`${clients} SSE clients connected (child process); hub subscribers: ${hub.subscriberCount()}`);
const [[p0], [p1]] = [await sql`select id from agents where name = 'pong-tracker'`, await sql`select id from agents where name = 'pong-random'`];
const deliveries: number[] = [];
const perRound: number[] = [];
// Round 0 warms the JIT and is not counted (as wrk's warm-up runs above); it is printed apart.
const warmup = 1;
let coldRound = NaN;
for (let r = 0; r < warmup + rounds; r++) {
  child.send({ arm: r });
  await new Promise((res) => setTimeout(res, 100));
  const got = fromChild<{ at: number[] }>((m) => m.round === r);
  const sentAt = performance.timeOrigin + performance.now();
  await sql`select emit_event('match.finished', ${sql.json({ matchId: `00000000-0000-4000-8000-${String(r).padStart(12, "0")}`, environment: "pong", agentIds: [p0.id, p1.id], round: r })})`;
  const { at } = await Promise.race([got, new Promise<{ at: number[] }>((res) => setTimeout(() => res({ at: [] }), 20_000))]);
  const last = at.length ? Math.max(...at) - sentAt : NaN;
  await new Promise((res) => setTimeout(res, 300));
  if (r < warmup) {
    coldRound = last;
    continue;
  }
  for (const t of at) deliveries.push(t - sentAt);
  perRound.push(last);
}
deliveries.sort((a, b) => a - b);
const q = (p: number) => deliveries[Math.min(deliveries.length - 1, Math.floor((p / 100) * deliveries.length))]?.toFixed(1);
console.log(`SSE fan-out, ${clients} clients × ${rounds} match.finished events: ${deliveries.length}/${clients * rounds} delivered; ` +
  `p50 ${q(50)} ms, p99 ${q(99)} ms, max ${deliveries.at(-1)?.toFixed(1)} ms (NOTIFY sent → fragment received); last delivery per round: ${perRound.map((x) => x.toFixed(0)).join(", ")} ms; ` +
  `the uncounted cold first round (JIT warm-up) ended after ${coldRound.toFixed(0)} ms`);
child.send({ exit: true });

server.close();
server.closeAllConnections();
await hub.stop();
await db.close();
process.exit(0);
