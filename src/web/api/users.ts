import { Hono } from "hono";
import { z } from "zod";
import { changePassword, PasswordChangeBody } from "../actions/account.ts";
import { currentUser, requireUser, setSessionCookie } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { camel, jsonBody, num, parse } from "./common.ts";

/** The public shape of a user (never the password hash). */
export function userJson(row: Record<string, unknown>) {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    fullName: row.full_name ?? "",
    role: row.role,
    createdAt: camel({ x: row.created_at }).x,
    updatedAt: camel({ x: row.updated_at ?? row.created_at }).x,
  };
}

export const UpdateMeBody = z.object({
  fullName: z.string().trim().max(100, "must be at most 100 characters").optional(),
  email: z.string().trim().toLowerCase().pipe(z.email("must be an email address")).optional(),
}).strict();

/** `GET /users/me` (profile and stats), `PUT /users/me`, `PUT /users/me/password`. */
export function usersApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use("*", requireUser);
  app.get("/me", async (c) => {
    const me = currentUser(c);
    const [row] = await deps.sql`select u.*, s.* from user_by_id(${me.id}) u, user_stats(u.id) s`;
    if (!row) throw new HttpError(404, "not_found", `user ${me.username} no longer exists`);
    return c.json({
      user: userJson(row),
      stats: {
        totalSubmissions: num(row.submissions),
        agents: num(row.agents),
        totalMatches: num(row.games),
        totalWins: num(row.wins),
        totalLosses: num(row.losses),
        totalDraws: num(row.draws),
        bestRating: row.best_rating === null ? null : num(row.best_rating),
        bestAgent: row.best_agent_id ? { id: row.best_agent_id, name: row.best_agent_name, environmentId: row.best_agent_environment_id } : null,
      },
    });
  });
  app.put("/me", async (c) => {
    const me = currentUser(c);
    const body = parse(UpdateMeBody, await jsonBody(c.req));
    const [row] = await deps.sql`select * from update_user(${me.id}, ${body.fullName ?? null}, ${body.email ?? null})`;
    return c.json({ message: "profile updated", user: userJson(row) });
  });
  // Rate limited like logins: a stolen token must not be a way to guess the password.
  app.put("/me/password", rateLimit(deps, "auth"), async (c) => {
    const body = parse(PasswordChangeBody, await jsonBody(c.req));
    const token = await changePassword(deps, currentUser(c), body.currentPassword, body.newPassword);
    if (c.get("auth").via === "cookie") setSessionCookie(c, token);
    return c.json({ message: "password changed; every other session was logged out", token });
  });
  return app;
}
