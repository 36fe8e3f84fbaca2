import type { MiddlewareHandler } from "hono";
import type { WebDeps, WebEnv } from "../deps.ts";
import { clientBucket } from "./client_ip.ts";
import { HttpError } from "./error_responses.ts";

/**
 * Route classes with their own buckets (the class is part of the key, so a login burst never
 * drains the upload budget). Capacity per window is the setting named here (seeded in
 * sql/settings.sql, editable on the admin page), read on every request: no copy of it lives here.
 */
export const RATE_CLASSES = {
  auth: { setting: "rate_limit_auth_per_min", windowS: 60, by: "ip", what: "login and sign-up attempts" },
  upload: { setting: "rate_limit_upload_per_min", windowS: 60, by: "user", what: "uploads and rebuilds" },
  replay: { setting: "rate_limit_replay_per_min", windowS: 60, by: "ip", what: "replay downloads" },
} as const;
export type RateClass = keyof typeof RATE_CLASSES;

/**
 * Middleware: one `take_token` call per request for `cls`, keyed by class and user or IP.
 * Sets X-RateLimit-Limit/Remaining/Reset on every answer; a denied request gets 429 with
 * Retry-After. A user-keyed class on an anonymous request falls back to the IP (the route's own
 * auth check then answers 401).
 */
export function rateLimit(deps: Pick<WebDeps, "sql" | "config">, cls: RateClass): MiddlewareHandler<WebEnv> {
  const spec = RATE_CLASSES[cls];
  return async (c, next) => {
    const user = c.var.user;
    const who = spec.by === "user" && user ? `user:${user.id}` : `ip:${clientBucket(c, deps.config)}`;
    const [row] = await deps.sql<{ allowed: boolean; remaining: number; retry_after_s: number; capacity: number }[]>`
      select t.allowed, t.remaining, t.retry_after_s, l.capacity
      from (select setting_number(${spec.setting})::int as capacity) l,
           lateral take_token(${`${cls}:${who}`}, l.capacity, ${spec.windowS}::int) t`;
    const capacity = Number(row.capacity);
    const remaining = Math.max(0, Math.floor(Number(row.remaining)));
    const now = Math.floor(Date.now() / 1000);
    const untilFull = Math.ceil(((capacity - remaining) * spec.windowS) / Math.max(1, capacity));
    const retryAfter = Math.max(1, Math.ceil(Number(row.retry_after_s)));
    c.header("X-RateLimit-Limit", String(capacity));
    c.header("X-RateLimit-Remaining", String(remaining));
    c.header("X-RateLimit-Reset", String(now + (row.allowed ? untilFull : retryAfter)));
    if (!row.allowed) {
      const window = spec.windowS === 60 ? "minute" : `${spec.windowS} s`;
      throw new HttpError(429, "rate_limited",
        `too many ${spec.what} from ${who.replace(":", " ")}: the limit is ${capacity} per ${window}; retry in ${retryAfter} s`,
        undefined, { "Retry-After": String(retryAfter) });
    }
    await next();
  };
}
