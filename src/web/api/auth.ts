import { Hono } from "hono";
import { z } from "zod";
import { logOut, logOutEverywhere, NewPassword } from "../account.ts";
import { currentUser, hashPassword, requireUser, signSession, verifyPassword } from "../auth.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http_errors.ts";
import { rateLimit } from "../rate_limit.ts";
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

// Verifying against a throwaway hash when the user does not exist keeps the answer time the same,
// so response timing does not reveal which accounts exist.
let decoy: Promise<string> | null = null;

/** `POST /auth/register`, `POST /auth/login` (both rate limited per IP, class `auth`), `POST /auth/logout`, `POST /auth/logout-everywhere`. */
export function authApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.post("/register", rateLimit(deps, "auth"), async (c) => {
    const body = parse(RegisterBody, await jsonBody(c.req));
    const hash = await hashPassword(body.password);
    const [row] = await deps.sql`select * from register_user(${body.username}, ${body.email}, ${hash}, ${body.fullName ?? ""})`;
    return c.json({ token: await signSession(deps, row.id, row.session_epoch), user: userJson(row) }, 201);
  });
  app.post("/login", rateLimit(deps, "auth"), async (c) => {
    const body = parse(LoginBody, await jsonBody(c.req));
    const identifier = body.email ?? body.username!;
    const [row] = await deps.sql`select * from user_by_login(${identifier})`;
    const ok = row?.id ? await verifyPassword(body.password, row.password_hash) : await verifyPassword(body.password, await (decoy ??= hashPassword("decoy")));
    if (!row?.id || !ok) throw new HttpError(401, "unauthorized", "invalid email/username or password");
    if (row.disabled) throw new HttpError(403, "forbidden", `the account ${row.username} is disabled; contact an administrator`);
    return c.json({ token: await signSession(deps, row.id, row.session_epoch), user: userJson(row) });
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
