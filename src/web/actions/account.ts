/**
 * Account changes shared by the JSON API and the profile page: password change, log out,
 * log out everywhere. Each ends sessions in the database (sql/users.sql) and forgets this
 * process's cached answers for them at once.
 */
import type { Context } from "hono";
import { z } from "zod";
import { clearSessionCookie, hashPassword, signSession, verifyPassword, type SessionUser } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { endAllSessions, endSession, forgetSessions } from "../http/session_store.ts";

/** The same rule as at registration (RegisterBody.password). */
export const NewPassword = z.string().min(8, "must be at least 8 characters").max(200, "must be at most 200 characters");

export const PasswordChangeBody = z.object({
  currentPassword: z.string().min(1, "is required").max(200, "must be at most 200 characters"),
  newPassword: NewPassword,
}).strict();

/**
 * Checks `current` against the stored hash, stores a hash of `next` (which ends every session
 * of the user, this one included) and returns a token for a fresh session of the caller.
 * A wrong current password is a 403 naming the rule.
 */
export async function changePassword(deps: Pick<WebDeps, "sql" | "config">, user: SessionUser, current: string, next: string): Promise<string> {
  const [row] = await deps.sql`select password_hash from user_by_id(${user.id})`;
  if (!(await verifyPassword(current, String(row.password_hash)))) {
    throw new HttpError(403, "wrong_password", `the current password of ${user.username} is not the one given; the password was not changed`);
  }
  const [updated] = await deps.sql`select id, session_epoch from set_password(${user.id}, ${row.password_hash}, ${await hashPassword(next)})`;
  forgetSessions(deps, user.id);
  return signSession(deps, String(updated.id), Number(updated.session_epoch));
}

/** Log out: the request's own session ends (on every process within seconds) and its cookie goes. */
export async function logOut(deps: Pick<WebDeps, "sql">, c: Context<WebEnv>): Promise<void> {
  const session = c.get("auth")?.session;
  if (session) await endSession(deps, session);
  clearSessionCookie(c);
}

/** Log out everywhere: every session of the signed-in user ends, this one included. */
export async function logOutEverywhere(deps: Pick<WebDeps, "sql">, c: Context<WebEnv>, user: SessionUser): Promise<void> {
  await endAllSessions(deps, user.id);
  clearSessionCookie(c);
}
