/**
 * Sessions follow the database: a verified token is only a claim (user, epoch, session id); the
 * user it speaks for, with their current role, comes from `live_session()` (sql/users.sql). A
 * disabled, demoted or logged-out user's token stops working within SESSION_CACHE_MS on every
 * process, and at once on the process that made the change (`forgetSessions`).
 */
import type { Sql } from "postgres";

/** The signed-in user as every handler sees it (`c.var.user`): id, name and role as the database has them now. */
export interface SessionUser {
  id: string;
  username: string;
  role: "user" | "admin";
}

/** What a verified session token claims. */
export interface SessionClaims {
  userId: string;
  /** users.session_epoch when the token was issued. */
  epoch: number;
  /** Random per login: what a logout revokes. */
  sessionId: string;
  /** Expiry, seconds since the epoch (the JWT's exp). */
  expiresAt: number;
}

/**
 * How long one process trusts its last answer for a session. Short: this is the longest a
 * change made on another web process (or in psql) takes to reach requests here.
 */
export const SESSION_CACHE_MS = 2_000;
/** Above this many cached sessions, stale entries are swept before adding another. */
const SWEEP_AT = 10_000;

interface Entry { at: number; user: Promise<SessionUser | null> }
const caches = new WeakMap<Sql, Map<string, Entry>>();

function cacheOf(sql: Sql): Map<string, Entry> {
  let cache = caches.get(sql);
  if (!cache) caches.set(sql, (cache = new Map()));
  return cache;
}

const keyOf = (s: SessionClaims) => `${s.userId} ${s.epoch} ${s.sessionId}`;

/**
 * The user a session speaks for, or null when it ended (user gone or disabled, epoch raised,
 * logged out). `fresh` skips the cache (and refreshes it).
 */
export async function liveSessionUser(deps: { sql: Sql }, session: SessionClaims, now = Date.now(), options: { fresh?: boolean } = {}): Promise<SessionUser | null> {
  const cache = cacheOf(deps.sql);
  const key = keyOf(session);
  const hit = cache.get(key);
  if (hit && !options.fresh && now - hit.at < SESSION_CACHE_MS) return hit.user;
  if (cache.size >= SWEEP_AT) for (const [k, e] of cache) if (now - e.at >= SESSION_CACHE_MS) cache.delete(k);
  // The promise is cached, so concurrent requests of one session share one query.
  const user = deps.sql<SessionUser[]>`select id, username, role from live_session(${session.userId}, ${session.epoch}, ${session.sessionId})`
    .then(([row]) => (row ? { id: String(row.id), username: row.username, role: row.role } : null));
  cache.set(key, { at: now, user });
  user.catch(() => cache.delete(key)); // a database error is not an answer worth keeping
  return user;
}

/** Drops this process's cached answers for the user's sessions, after a change that may end them. */
export function forgetSessions(deps: { sql: Sql }, userId: string): void {
  const cache = cacheOf(deps.sql);
  for (const key of cache.keys()) if (key.startsWith(`${userId} `)) cache.delete(key);
}

/** Log out: this session ends now, on every process within SESSION_CACHE_MS. */
export async function endSession(deps: { sql: Sql }, session: SessionClaims): Promise<void> {
  await deps.sql`select end_session(${session.userId}, ${session.sessionId}, ${new Date(session.expiresAt * 1000)})`;
  forgetSessions(deps, session.userId);
}

/** Log out everywhere: every session of the user ends; returns the new epoch for a fresh token. */
export async function endAllSessions(deps: { sql: Sql }, userId: string): Promise<number> {
  const [row] = await deps.sql<{ session_epoch: number }[]>`select session_epoch from end_all_sessions(${userId})`;
  forgetSessions(deps, userId);
  return row.session_epoch;
}

/**
 * How the current request authenticated. `invalid` = it carried a token that failed
 * verification or whose session has ended; `session` = the claims of a live session.
 */
export interface AuthState {
  via: "cookie" | "bearer" | null;
  invalid: boolean;
  /** Whether session cookies get the Secure flag (NODE_ENV=production). */
  secureCookie: boolean;
  session: SessionClaims | null;
}
