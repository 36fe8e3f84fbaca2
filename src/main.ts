import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createSql } from "./db/client.ts";
import { locateDatabase } from "./db/connect.ts";
import { prepareDatabase } from "./db/prepare.ts";
import { startBoss } from "./jobs/boss.ts";
import { startWorkers } from "./jobs/workers.ts";
import { createLogger } from "./log.ts";
import { sandboxStatus } from "./executor/local/sandbox.ts";
import { subscribeEngineMetrics } from "./metrics_engine.ts";
import { createApp, createOpsApp } from "./web/app.ts";
import { liveRenderer } from "./web/live/renderers.tsx";
import { seedDemo } from "./demo.ts";
import { LiveHub } from "./web/live/hub.ts";

/**
 * The process entry: one binary for every role. Boot order is database → migrations →
 * pg-boss → web and/or workers; shutdown runs in the reverse order and stops the embedded
 * PostgreSQL last.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`rl-arena: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger({ level: config.LOG_LEVEL, json: config.NODE_ENV === "production" });
  const stops: Array<[string, () => Promise<unknown> | unknown]> = [];
  let stopping = false;

  const shutdown = async (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { reason });
    const force = setTimeout(() => {
      log.error("shutdown took longer than 20 s, exiting anyway");
      process.exit(1);
    }, 20_000);
    force.unref();
    for (const [name, stop] of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log.warn(`stopping ${name} failed`, { error });
      }
    }
    log.info("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    const db = await locateDatabase(config, log);
    if (db.embedded) stops.push(["embedded PostgreSQL", () => db.embedded!.stop()]);
    await prepareDatabase(db.url, log);
    // MATCH_COOLDOWN_S… hold for this process's connections only (never stored; the admin page shows them).
    const sql = createSql(db.url, { max: 10, settingOverrides: config.ruleOverrides });
    if (Object.keys(config.ruleOverrides).length) log.info("rule overrides from the environment, for this process only", config.ruleOverrides);
    stops.push(["database pool", () => sql.end({ timeout: 5 })]);
    const boss = await startBoss(db.url, log, { supervise: config.ROLE !== "web" });
    stops.push(["pg-boss", () => boss.stop({ graceful: true, timeout: 10_000 })]);

    if (config.DEMO) await seedDemo(sql, log);

    if (config.ROLE !== "worker") {
      // One LISTEN per web process, fanned out to every SSE client of this process.
      const hub = new LiveHub(liveRenderer(sql), log.child({ part: "live" }));
      await hub.listen(sql);
      stops.push(["live hub", () => hub.stop()]);
      // The sandbox is checked by the workers at start (ROLE=all); a web-only process has none to report.
      const sandbox = () => {
        const st = sandboxStatus();
        return config.ROLE === "web" ? null : { enabled: st.mode === "bwrap", detail: st.warning ?? `bubblewrap ${st.bwrapVersion ?? ""}`.trim() };
      };
      const app = createApp({ sql, log, config, hub, sandboxStatus: () => sandbox() ?? { enabled: true, detail: "checked on the worker processes" } });
      const server = await listen(app.fetch, config.PORT, config.HOST);
      stops.push(["web server", () => closeServer(server)]);
      log.info(`RL-Arena listening on http://localhost:${config.PORT}`, { role: config.ROLE });
    } else {
      // A worker-only process still answers probes and Prometheus on its own port.
      const app = createOpsApp({ sql, log, config });
      const server = await listen(app.fetch, config.METRICS_PORT, config.HOST);
      stops.push(["ops server", () => closeServer(server)]);
      log.info(`worker health and metrics on http://localhost:${config.METRICS_PORT}`, { role: config.ROLE });
    }
    if (config.ROLE !== "web") {
      subscribeEngineMetrics(config.EXECUTOR);
      const workers = await startWorkers({ sql, boss, log, config });
      stops.push(["workers", () => workers.stop()]);
    }
  } catch (error) {
    log.error("boot failed", { error });
    await shutdown("boot failure", 1);
  }
}

async function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<Server> {
  const server = serve({ fetch, port, hostname }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return server;
}

/** Stops accepting connections and ends open ones (SSE streams would otherwise keep us alive). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

await main();
