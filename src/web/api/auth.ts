import { createRoute, z } from "@hono/zod-openapi";
import { logOut, logOutEverywhere, NewPassword } from "../actions/account.ts";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { orThrow } from "../http/outcome.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { logIn, register } from "../actions/sessions.ts";
import { apiArea, jsonOnly } from "./common.ts";
import { errors, json, jsonRequest, notes, signedIn } from "./route_docs.ts";
import { messageSchema, UserSchema } from "./schemas.ts";
import { userJson } from "./users.ts";

export const RegisterBody = z.object({
  username: z.string().trim().min(3, "must be 3–32 characters").max(32, "must be 3–32 characters")
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must start with a letter or digit and hold only letters, digits, '_', '.' and '-'"),
  email: z.string().trim().toLowerCase().pipe(z.email("must be an email address")).pipe(z.string().max(254)),
  password: NewPassword,
  fullName: z.string().trim().max(100, "must be at most 100 characters").optional(),
});

export const LoginBody = z.object({
  email: z.string().trim().min(1).max(255).optional(),
  username: z.string().trim().min(1).max(255).optional(),
  password: z.string().min(1, "is required").max(200),
}).refine((b) => b.email !== undefined || b.username !== undefined, { message: "send email or username", path: ["email"] });

const tags = ["auth"];
const session = z.object({ token: z.string(), user: UserSchema });

/** `POST /auth/register`, `POST /auth/login` (both rate limited per IP, class `auth`), `POST /auth/logout`, `POST /auth/logout-everywhere`. */
export function authApi(deps: WebDeps) {
  const app = apiArea();
  app.openapi(createRoute({
    method: "post", path: "/register", tags, summary: "Create an account and get a session token", description: notes({ rateLimit: "auth" }),
    middleware: [rateLimit(deps, "auth"), jsonOnly], request: jsonRequest(RegisterBody),
    responses: { 201: json("Registered", session), ...errors(400, 409, 413, 429) },
  }), async (c) => {
    const { user, token } = orThrow(await register(deps, c.req.valid("json")));
    return c.json({ token, user: userJson(user) }, 201);
  });
  app.openapi(createRoute({
    method: "post", path: "/login", tags, summary: "Log in with email or username", description: notes({ rateLimit: "auth" }),
    middleware: [rateLimit(deps, "auth"), jsonOnly], request: jsonRequest(LoginBody),
    responses: { 200: json("Logged in", session), ...errors(400, 401, 403, 429) },
  }), async (c) => {
    const body = c.req.valid("json");
    const { user, token } = orThrow(await logIn(deps, body.email ?? body.username!, body.password));
    return c.json({ token, user: userJson(user) }, 200);
  });
  // Both end sessions in the database, so a copy of the token (a script, another tab) dies too.
  app.openapi(createRoute({
    method: "post", path: "/logout", tags, summary: "End this session: its token (and any copy of it) stops working", security: signedIn,
    middleware: requireUser, responses: { 200: json("Logged out", messageSchema), ...errors(401) },
  }), async (c) => {
    await logOut(deps, c);
    return c.json({ message: "logged out: this session's token no longer works" }, 200);
  });
  app.openapi(createRoute({
    method: "post", path: "/logout-everywhere", tags, summary: "End every session of the account, this one included", security: signedIn,
    middleware: requireUser, responses: { 200: json("Logged out everywhere", messageSchema), ...errors(401) },
  }), async (c) => {
    await logOutEverywhere(deps, c, currentUser(c));
    return c.json({ message: "logged out everywhere: every token of this account issued so far no longer works" }, 200);
  });
  return app;
}
