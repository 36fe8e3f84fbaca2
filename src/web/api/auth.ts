import { Hono } from "hono";
import { z } from "zod";
import { logOut, logOutEverywhere, NewPassword } from "../actions/account.ts";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { orThrow } from "../http/outcome.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { logIn, register } from "../actions/sessions.ts";
import { jsonBody, parse } from "./common.ts";
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

/** `POST /auth/register`, `POST /auth/login` (both rate limited per IP, class `auth`), `POST /auth/logout`, `POST /auth/logout-everywhere`. */
export function authApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.post("/register", rateLimit(deps, "auth"), async (c) => {
    const { user, token } = orThrow(await register(deps, parse(RegisterBody, await jsonBody(c.req))));
    return c.json({ token, user: userJson(user) }, 201);
  });
  app.post("/login", rateLimit(deps, "auth"), async (c) => {
    const body = parse(LoginBody, await jsonBody(c.req));
    const { user, token } = orThrow(await logIn(deps, body.email ?? body.username!, body.password));
    return c.json({ token, user: userJson(user) });
  });
  // Both end sessions in the database, so a copy of the token (a script, another tab) dies too.
  app.post("/logout", requireUser, async (c) => {
    await logOut(deps, c);
    return c.json({ message: "logged out: this session's token no longer works" });
  });
  app.post("/logout-everywhere", requireUser, async (c) => {
    await logOutEverywhere(deps, c, currentUser(c));
    return c.json({ message: "logged out everywhere: every token of this account issued so far no longer works" });
  });
  return app;
}
