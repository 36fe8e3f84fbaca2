import { createRoute, z } from "@hono/zod-openapi";
import { changePassword, PasswordChangeBody } from "../actions/account.ts";
import { currentUser, requireUser, setSessionCookie } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { apiArea, camel, jsonOnly, num, type Row } from "./common.ts";
import { errors, json, jsonRequest, notes, signedIn } from "./route_docs.ts";
import { messageSchema, UserSchema } from "./schemas.ts";

/** The public shape of a user (never the password hash). */
export function userJson(row: Row): z.infer<typeof UserSchema> {
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

const int = z.number().int();
const MeSchema = z.object({
  user: UserSchema,
  stats: z.object({ totalSubmissions: int, agents: int, totalMatches: int, totalWins: int, totalLosses: int, totalDraws: int, bestRating: int.nullable(),
    bestAgent: z.object({ id: z.string(), name: z.string(), environmentId: z.string() }).nullable() }),
});
const tags = ["users"];

/** `GET /users/me` (profile and stats), `PUT /users/me`, `PUT /users/me/password`. */
export function usersApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "get", path: "/me", tags, summary: "The caller's profile and statistics", security: signedIn, middleware: requireUser,
    responses: { 200: json("Profile", MeSchema), ...errors(401, 404) },
  }), async (c) => {
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
    }, 200);
  });
  app.openapi(createRoute({
    method: "put", path: "/me", tags, summary: "Change the caller's full name or email", security: signedIn,
    middleware: [requireUser, jsonOnly], request: jsonRequest(UpdateMeBody),
    responses: { 200: json("Updated", messageSchema.extend({ user: UserSchema })), ...errors(400, 401, 409) },
  }), async (c) => {
    const body = c.req.valid("json");
    const [row] = await deps.sql`select * from update_user(${currentUser(c).id}, ${body.fullName ?? null}, ${body.email ?? null})`;
    return c.json({ message: "profile updated", user: userJson(row!) }, 200);
  });
  // Rate limited like logins: a stolen token must not be a way to guess the password.
  app.openapi(createRoute({
    method: "put", path: "/me/password", tags, security: signedIn, description: notes({ rateLimit: "auth" }),
    summary: "Change the caller's password; every other session ends, the answer carries a token for a new one",
    middleware: [requireUser, rateLimit(deps, "auth"), jsonOnly], request: jsonRequest(PasswordChangeBody),
    responses: { 200: json("Changed (a cookie session also gets a fresh cookie)", messageSchema.extend({ token: z.string() })), ...errors(400, 401, 403, 409, 429) },
  }), async (c) => {
    const body = c.req.valid("json");
    const token = await changePassword(deps, currentUser(c), body.currentPassword, body.newPassword);
    if (c.get("auth").via === "cookie") setSessionCookie(c, token);
    return c.json({ message: "password changed; every other session was logged out", token }, 200);
  });
  return app;
}
