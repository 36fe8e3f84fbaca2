/**
 * A user of the built platform, driven over real HTTP as a script or a browser would: the JSON
 * API with a Bearer token, pages with the session cookie and a same-origin Origin header.
 */
import type { Sql } from "postgres";

export interface HttpUser {
  id: string;
  username: string;
  password: string;
  token: string;
  /** `session=<token>`, what a browser sends after signing in. */
  cookie: string;
  /** fetch(`${url}/api/v1${path}`) with `Authorization: Bearer <token>`; plain objects in `json` are sent as JSON. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** fetch(`${url}${path}`) with the session cookie and `Origin: url` (a same-site form post); redirects are not followed. */
  page(path: string, init?: RequestInit): Promise<Response>;
}

/** Registers `username` through `POST /api/v1/auth/register` and returns the signed-in user. */
export async function registerUser(url: string, username: string, password = "correct horse battery"): Promise<HttpUser> {
  const res = await fetch(`${url}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, email: `${username}@example.test`, password }),
  });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  const body = await res.json() as { token: string; user: { id: string; username: string } };
  return httpUser(url, { ...body.user, password, token: body.token });
}

/** An HttpUser for a token obtained elsewhere (a login, a password change). */
export function httpUser(url: string, user: { id: string; username: string; password: string; token: string }): HttpUser {
  return {
    ...user,
    cookie: `session=${user.token}`,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${user.token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(`${url}/api/v1${path}`, { ...init, headers, body });
    },
    page(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("cookie", `session=${user.token}`);
      if (!headers.has("origin")) headers.set("origin", url);
      return fetch(`${url}${path}`, { redirect: "manual", ...init, headers });
    },
  };
}

/** Makes the user (by username or id) an administrator the way an operator does: `select grant_admin(username)`. */
export async function makeAdmin(sql: Sql, usernameOrId: string): Promise<void> {
  const [user] = await sql<{ username: string }[]>`select username from users where username = ${usernameOrId} or id::text = ${usernameOrId}`;
  if (!user) throw new Error(`makeAdmin: no user ${usernameOrId}`);
  await sql`select grant_admin(${user.username})`;
}

/**
 * Raises the per-IP and per-user request limits, so a test can register many users from
 * 127.0.0.1; tests of the limits themselves leave them as they are.
 */
export async function relaxRateLimits(sql: Sql, perMinute = 10_000): Promise<void> {
  for (const key of ["rate_limit_auth_per_min", "rate_limit_upload_per_min", "rate_limit_replay_per_min"]) {
    await sql`insert into settings (key, value, description) values (${key}, ${sql.json(perMinute)}, 'raised by a system test')
              on conflict (key) do update set value = excluded.value`;
  }
}
