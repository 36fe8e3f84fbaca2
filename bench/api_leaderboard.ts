/**
 * GET /api/v1/leaderboard/environment/pong under 100 concurrent clients over loopback
 * (issue 6 target: ≥ 1,500 req/s with p99 < 50 ms).
 *
 * 1. A fresh embedded PostgreSQL (or BENCH_DATABASE_URL, an empty database) is migrated.
 * 2. Seeding: 200 users and `agents` (default 3,000) Pong agents, each with an active built-in
 *    version and a random rating, through the same SQL functions the app uses.
 * 3. The real app (createApp) is served by @hono/node-server in this process.
 * 4. wrk (apt-get install -y wrk) runs on 2 threads with 100 connections: a 5 s warm-up, then
 *    the measured run; wrk's own latency distribution gives p50/p99.
 *
 *   node --import tsx bench/api_leaderboard.ts [agents=3000] [seconds=20] [connections=100]
 */
import { spawnSync } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { listEnvironments } from "rl-arena-env";
import { loadConfig } from "../src/config.ts";
import { createSql } from "../src/db/client.ts";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedCluster } from "../src/db/embedded.ts";
import { prepareDatabase } from "../src/db/prepare.ts";
import { createLogger } from "../src/log.ts";
import { createApp } from "../src/web/app.ts";
import { hashPassword } from "../src/web/http/authentication.ts";

const agents = Number(process.argv[2] ?? 3000);
const seconds = Number(process.argv[3] ?? 20);
const connections = Number(process.argv[4] ?? 100);

const wrk = spawnSync("wrk", ["--version"], { encoding: "utf8" });
if (wrk.error) {
  console.error("wrk is not installed: apt-get install -y wrk");
  process.exit(1);
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

const log = createLogger({ level: "warn" });
const dataDir = mkdtempSync(join(tmpdir(), "rla-bench-api-"));
let cluster: EmbeddedCluster | null = null;
let url = process.env.BENCH_DATABASE_URL;
if (!url) {
  cluster = await startEmbeddedPostgres(join(dataDir, "pg"), await freePort());
  url = await ensureDatabase(cluster.adminUrl, "rla_bench");
}
await prepareDatabase(url, log);
const sql = createSql(url, { max: 10 });

const seedStarted = Date.now();
for (const e of listEnvironments()) await sql`select upsert_environment(${e.id}, ${e.version}, ${e.name}, ${sql.json(JSON.parse(JSON.stringify(e)))})`;
const hash = await hashPassword("bench-password");
const users: string[] = [];
for (let i = 0; i < 200; i++) {
  const [u] = await sql`select id from register_user(${`bench${i}`}, ${`bench${i}@example.org`}, ${hash}, '')`;
  users.push(u.id);
}
for (let i = 0; i < agents; i += 500) {
  await sql.begin(async (tx) => {
    for (let j = i; j < Math.min(agents, i + 500); j++) {
      const [a] = await tx`select id from create_agent(${users[j % users.length]}, 'pong', ${`agent-${j}`}, '')`;
      await tx`select create_builtin_submission(${a.id}, 'pong-tracker')`;
    }
  });
}
await sql`update agents a set rating = r.rating, wins = r.w, losses = r.l, games = r.w + r.l
          from (select id, 900 + floor(random() * 1200)::int as rating, floor(random() * 50)::int as w, floor(random() * 50)::int as l from agents) r
          where a.id = r.id`;
await sql`vacuum analyze agents`;
const [{ n }] = await sql`select leaderboard_size('pong') as n`;
console.log(`seeded ${n} ranked pong agents in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: "b".repeat(40), NODE_ENV: "production", LOG_LEVEL: "warn" });
const app = createApp({ sql, log, config } as Parameters<typeof createApp>[0]);
const port = await freePort();
// Time inside the app too (fetch called → Response ready), to tell our code's tail from the socket's.
const inside: number[] = [];
const timedFetch = async (req: Request) => {
  const t0 = performance.now();
  const res = await app.fetch(req);
  inside.push(performance.now() - t0);
  return res;
};
const server = serve({ fetch: timedFetch, port, hostname: "127.0.0.1" });
await new Promise((r) => setTimeout(r, 200));
const target = `http://127.0.0.1:${port}/api/v1/leaderboard/environment/pong`;
const probe = await fetch(target);
const body = await probe.json() as { leaderboard: unknown[]; total: number };
console.log(`GET ${new URL(target).pathname} → ${probe.status}, ${body.leaderboard.length} rows of ${body.total}, ${JSON.stringify(body).length} bytes`);

// wrk blocks this process's event loop if run synchronously, so it runs as an async child.
const runWrk = (duration: number) => new Promise<string>((resolve, reject) => {
  import("node:child_process").then(({ spawn }) => {
    const child = spawn("wrk", ["-t2", `-c${connections}`, `-d${duration}s`, "--latency", target]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
  });
});
await runWrk(5);
// Where a slow tail comes from: this process's event loop stalling, or elsewhere (CPU share, kernel).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const out = await runWrk(seconds);
loopDelay.disable();
console.log(out.trim());

const toMs = (v: string) => {
  const m = /([\d.]+)(us|ms|s|m)/.exec(v);
  if (!m) throw new Error(`cannot read wrk's latency ${JSON.stringify(v)}`);
  return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 1);
};
const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
const p50 = toMs(/50%\s+(\S+)/.exec(out)![1]);
const p99 = toMs(/99%\s+(\S+)/.exec(out)![1]);
const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? "0";
const sortedInside = inside.slice(-Math.floor(inside.length / 2)).sort((a, b) => a - b);
console.log(`inside the app (last half of all requests): p50 ${sortedInside[Math.floor(sortedInside.length * 0.5)]!.toFixed(2)} ms, p99 ${sortedInside[Math.floor(sortedInside.length * 0.99)]!.toFixed(2)} ms, max ${sortedInside.at(-1)!.toFixed(1)} ms`);
console.log(`event-loop delay during the run: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`);
console.log(`\nRESULT leaderboard API: ${rps.toFixed(0)} req/s, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, non-2xx ${errors} ` +
  `(${connections} connections, ${seconds} s, ${n} agents) — target ≥ 1500 req/s and p99 < 50 ms: ${rps >= 1500 && p99 < 50 ? "MET" : "NOT MET"}`);

server.close();
(server as unknown as { closeAllConnections(): void }).closeAllConnections();
await sql.end({ timeout: 5 });
await cluster?.stop();
rmSync(dataDir, { recursive: true, force: true });
