import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { parseTrustProxy } from "./web/http/client_ip.ts";

/** Thrown when the environment variables do not describe a usable configuration. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const optionalInt = (min: number, max: number) =>
  z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(min).max(max).optional());

const postgresUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname !== "";
  } catch {
    return false;
  }
}, "must be a postgres:// or postgresql:// URL with a host");

const Schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.preprocess((v) => (v === "" ? undefined : v), postgresUrl.optional()),
  DATA_DIR: z.string().min(1).default(".data"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  JWT_SECRET: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(32, "must be at least 32 characters").optional()),
  ROLE: z.enum(["all", "web", "worker"]).default("all"),
  EXECUTOR: z.enum(["local", "kubernetes"]).default("local"),
  SANDBOX: z.enum(["auto", "bwrap", "none"]).default("auto"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  MATCH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(Math.max(1, cpus().length)),
  DEMO: z.stringbool().default(true),
  // Kubernetes executor (EXECUTOR=kubernetes); see k8s/README.md.
  K8S_MATCH_NAMESPACE: z.string().min(1).default("rl-arena-matches"),
  K8S_BUILD_NAMESPACE: z.string().min(1).default("rl-arena-builds"),
  PLATFORM_IMAGE: z.string().min(1).default("rl-arena:latest"),
  AGENT_REGISTRY: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional()),
  REGISTRY_SECRET: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional()),
  KANIKO_IMAGE: z.string().min(1).default("gcr.io/kaniko-project/executor:v1.23.2"),
  BUILD_CONTEXT_PORT: z.coerce.number().int().min(1).max(65535).default(8081),
  POD_IP: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional()),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  METRICS_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(8).optional()),
  MATCHMAKING_INTERVAL_S: optionalInt(1, 86_400),
  MATCH_COOLDOWN_S: optionalInt(0, 7 * 86_400),
  DAILY_MATCH_LIMIT: optionalInt(0, 1_000_000),
  // Web hardening: whose X-Forwarded-For to believe, and how many live (SSE) streams to hold.
  TRUST_PROXY: z.string().default("").superRefine((v, ctx) => {
    try { parseTrustProxy(v); } catch (e) { ctx.addIssue({ code: "custom", message: (e as Error).message }); }
  }),
  SSE_MAX_STREAMS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  SSE_MAX_STREAMS_PER_CLIENT: z.coerce.number().int().min(1).max(10_000).default(20),
});

export type Config = Omit<z.infer<typeof Schema>, "JWT_SECRET"> & {
  JWT_SECRET: string;
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** Rule values the operator forces at boot; written into the settings table. */
  ruleOverrides: Record<string, number>;
};

/**
 * Parses the process environment once. Every problem is reported in one line per variable,
 * naming the variable and the rule it broke.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? "environment");
      const value = env[name];
      return `${name}${value === undefined ? "" : `=${JSON.stringify(value)}`}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  const c = parsed.data;
  if (c.EXECUTOR === "kubernetes" && !c.AGENT_REGISTRY) {
    throw new ConfigError("AGENT_REGISTRY: required when EXECUTOR=kubernetes (where Kaniko pushes agent images)");
  }
  if (c.NODE_ENV === "production" && !c.JWT_SECRET) {
    throw new ConfigError("JWT_SECRET: required when NODE_ENV=production (at least 32 characters)");
  }
  const dataDir = resolve(c.DATA_DIR);
  const ruleOverrides: Record<string, number> = {};
  if (c.MATCHMAKING_INTERVAL_S !== undefined) ruleOverrides.matchmaking_interval_s = c.MATCHMAKING_INTERVAL_S;
  if (c.MATCH_COOLDOWN_S !== undefined) ruleOverrides.match_cooldown_s = c.MATCH_COOLDOWN_S;
  if (c.DAILY_MATCH_LIMIT !== undefined) ruleOverrides.daily_match_limit = c.DAILY_MATCH_LIMIT;
  return { ...c, JWT_SECRET: c.JWT_SECRET ?? developmentSecret(dataDir), dataDir, ruleOverrides };
}

/** In development the JWT secret is generated once and kept in DATA_DIR so sessions survive restarts. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, "jwt-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}
