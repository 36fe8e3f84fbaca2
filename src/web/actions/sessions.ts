import type { Row } from "postgres";
import { hashPassword, signSession, verifyPassword } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { done, Refusal, refused, sqlRefusal, type Outcome } from "../http/outcome.ts";

/**
 * Sign-up and login, once for the API (POST /api/v1/auth/*) and the pages (/signup, /login).
 * Input is already validated (RegisterBody); the adapters set a cookie or answer a token.
 */

// Verifying against a throwaway hash when the user does not exist keeps the answer time the same,
// so response timing does not reveal which accounts exist. One decoy for both adapters.
let decoy: Promise<string> | null = null;

export interface SignedIn {
  user: Row;
  token: string;
}

/** register_user with a fresh hash; a taken username or email is refused on its field (SQL's message). */
export async function register(deps: Pick<WebDeps, "sql" | "config">, body: { username: string; email: string; password: string; fullName?: string }): Promise<Outcome<SignedIn>> {
  let row;
  try {
    [row] = await deps.sql`select * from register_user(${body.username}, ${body.email}, ${await hashPassword(body.password)}, ${body.fullName ?? ""})`;
  } catch (e) {
    const refusal = sqlRefusal(e, (m) => (/email/i.test(m) ? "email" : "username"));
    if (refusal) return refused(refusal);
    throw e;
  }
  return done({ user: row!, token: await signSession(deps, row!.id, row!.session_epoch) });
}

/** user_by_login + the password check (against the decoy when no such user), then the account's state. */
export async function logIn(deps: Pick<WebDeps, "sql" | "config">, identifier: string, password: string): Promise<Outcome<SignedIn>> {
  const [row] = await deps.sql`select * from user_by_login(${identifier})`;
  const ok = row?.id ? await verifyPassword(password, row.password_hash) : await verifyPassword(password, await (decoy ??= hashPassword("decoy")));
  if (!row?.id || !ok) return refused(new Refusal(401, "unauthorized", "invalid email/username or password"));
  if (row.disabled) return refused(new Refusal(403, "forbidden", `the account ${row.username} is disabled; contact an administrator`));
  return done({ user: row, token: await signSession(deps, row.id, row.session_epoch) });
}
