import { randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "./error_responses.ts";
import { liveSessionUser, type AuthState, type SessionClaims, type SessionUser } from "./session_store.ts";

export type { SessionClaims, SessionUser } from "./session_store.ts";

export const SESSION_COOKIE = "session";
export const SESSION_TTL_S = 24 * 60 * 60;

// ---------------------------------------------------------------------------------------------
// Passwords: scrypt, parameters kept in the hash string so they can be raised later without
// invalidating stored hashes. N=2^15 costs ~175 ms here: slow for an attacker, fine for a login.

const DEFAULT_PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const memoryFor = (N: number, r: number, p: number) => 128 * N * r * p + 16 * 1024 * 1024;

/** Hashes a password as `scrypt$N$r$p$salt$key` (base64url salt and key). */
export async function hashPassword(password: string, params = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = params;
  const key = await scryptAsync(password.normalize("NFKC"), salt, KEY_LENGTH, { N, r, p, maxmem: memoryFor(N, r, p) });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/**
 * Checks a password against a stored hash in constant time. A hash that is not in our format
 * (or asks for absurd parameters) verifies as false rather than throwing.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4], "base64url");
  const expected = Buffer.from(parts[5], "base64url");
  if (salt.length < 8 || expected.length < 16) return false;
  const key = await scryptAsync(password.normalize("NFKC"), salt, expected.length, { N, r, p, maxmem: memoryFor(N, r, p) });
  return timingSafeEqual(key, expected);
}

// ---------------------------------------------------------------------------------------------
// Session tokens: HS256 JWT, 24 h, algorithm pinned on verification. A token names the user,
// their session epoch and a random session id, nothing else: who the user is now (name, role,
// disabled) is read from the database on every request (src/web/http/session_store.ts).

const keys = new WeakMap<object, Uint8Array>();
function keyOf(config: WebDeps["config"]): Uint8Array {
  let key = keys.get(config);
  if (!key) keys.set(config, (key = new TextEncoder().encode(config.JWT_SECRET)));
  return key;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Signs a 24-hour token for a new session of user `userId`, whose users.session_epoch is `epoch`. */
export async function signSession(deps: Pick<WebDeps, "config">, userId: string, epoch: number): Promise<string> {
  return new SignJWT({ sep: epoch })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setJti(randomUUID())
    .setIssuer("rl-arena")
    .setIssuedAt()
    .setExpirationTime(`${SESSION_TTL_S}s`)
    .sign(keyOf(deps.config));
}

/**
 * Verifies a session token's signature, issuer and expiry (a token without `exp` is refused);
 * returns its claims, or null when it is forged, expired or malformed. Whether the session is
 * still live is `liveSessionUser`'s question.
 */
export async function verifySession(deps: Pick<WebDeps, "config">, token: string): Promise<SessionClaims | null> {
  try {
    const { payload } = await jwtVerify(token, keyOf(deps.config), {
      algorithms: ["HS256"], issuer: "rl-arena", requiredClaims: ["exp", "sub", "jti", "sep"],
    });
    const { sub, jti, sep, exp } = payload;
    if (typeof sub !== "string" || !UUID.test(sub) || typeof jti !== "string" || !UUID.test(jti)) return null;
    if (typeof sep !== "number" || !Number.isSafeInteger(sep) || sep < 0 || sep > 2 ** 31 - 1 || typeof exp !== "number") return null;
    return { userId: sub, epoch: sep, sessionId: jti, expiresAt: exp };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Middleware.

/** Reads the bearer token (API clients) or the session cookie (browsers). */
function tokenOf(c: Context<WebEnv>): { token: string; via: "cookie" | "bearer" } | { token: null; via: "bearer" | null } {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header.trim());
    return m ? { token: m[1], via: "bearer" } : { token: null, via: "bearer" };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, via: "cookie" } : { token: null, via: null };
}

/**
 * Sets `c.var.user` (a SessionUser or null) and `c.var.auth`. The user and their role come from
 * the database (`live_session`, cached a few seconds), never from the token. Never rejects: a
 * forged, expired or ended session leaves the request anonymous with `auth.invalid = true`;
 * pages treat it as signed out, the API answers 401 (`rejectInvalidToken`). Running it twice is
 * harmless.
 */
export function loadUser(deps: Pick<WebDeps, "config" | "sql">): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (c.get("auth") !== undefined) return next(); // c.get: cheaper than c.var, and this runs per mounted area
    const { token, via } = tokenOf(c);
    const claims = token ? await verifySession(deps, token) : null;
    const user = claims ? await liveSessionUser(deps, claims) : null;
    c.set("user", user);
    c.set("auth", { via, invalid: via !== null && user === null, secureCookie: deps.config.NODE_ENV === "production", session: user ? claims : null });
    await next();
  };
}

/** For the API: a request that carries a bad token gets 401 even on public routes. */
export const rejectInvalidToken: MiddlewareHandler<WebEnv> = async (c, next) => {
  const auth = c.get("auth");
  if (auth?.invalid) {
    const message = auth.via === "bearer" && !/^Bearer \S+$/.test(c.req.header("authorization")?.trim() ?? "")
      ? "the Authorization header must be `Bearer <token>`"
      : "the session token is invalid or expired, or its session ended (logged out, password changed, account disabled); log in again";
    throw new HttpError(401, "unauthorized", message);
  }
  await next();
};

/** The signed-in user, or a 401 HttpError. */
export function currentUser(c: Context<WebEnv>): SessionUser {
  const user = c.var.user;
  if (!user) throw new HttpError(401, "unauthorized", "this needs a signed-in user: send `Authorization: Bearer <token>` from POST /api/v1/auth/login");
  return user;
}

/** Middleware: 401 unless signed in. */
export const requireUser: MiddlewareHandler<WebEnv> = async (c, next) => {
  currentUser(c);
  await next();
};

/**
 * Middleware: 401 unless signed in, 403 unless an admin. The role is read from the database
 * afresh, past the session cache: admin pages are few and rarely hit, so a promotion or a
 * demotion counts at once on every process (the admin SQL functions check again themselves).
 */
export function requireAdmin(deps: Pick<WebDeps, "sql">): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    currentUser(c);
    const session = c.get("auth").session!; // a signed-in user always has one
    const user = await liveSessionUser(deps, session, Date.now(), { fresh: true });
    c.set("user", user);
    if (!user) throw new HttpError(401, "unauthorized", "the session ended (logged out, password changed, account disabled); log in again");
    if (user.role !== "admin") throw new HttpError(403, "forbidden", `user ${user.username} is not an administrator`);
    await next();
  };
}

/**
 * Stores the session token in an httpOnly, SameSite=Lax cookie, Secure in production (as
 * recorded by `loadUser`; Secure when loadUser did not run).
 */
export function setSessionCookie(c: Context<WebEnv>, token: string): void {
  const secure = c.var.auth?.secureCookie ?? true;
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge: SESSION_TTL_S });
}

/** Removes the session cookie (log out). */
export function clearSessionCookie(c: Context<WebEnv>): void {
  const secure = c.var.auth?.secureCookie ?? true;
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure, httpOnly: true, sameSite: "Lax" });
}
