import { HttpError, toHttpError } from "./error_responses.ts";

/**
 * What a write action answers: its data, or a refusal. Each write (upload, sign-up, login, agent
 * create/update) is one action returning an Outcome; its two adapters only render it — the API
 * as JSON (orThrow: the refusal is the JSON error), a page as a form fragment (the refusal's
 * message beside its field).
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/** A refused write: an HttpError (status, stable code, message naming the value and the rule) and, for forms, the field it concerns. */
export class Refusal extends HttpError {
  constructor(status: number, error: string, message: string, details?: unknown, readonly field?: string) {
    super(status, error, message, details);
  }
}

export const done = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const refused = (refusal: Refusal): Outcome<never> => ({ ok: false, refusal });

/**
 * A coded SQL error that refuses the input (400, 409, 422) as a Refusal on the field
 * `fieldOf(message)` names; null for anything else (not found, forbidden, a fault), which the
 * action lets through to the error pages.
 */
export function sqlRefusal(e: unknown, fieldOf: (message: string) => string | undefined): Refusal | null {
  const http = toHttpError(e);
  if (!http || ![400, 409, 422].includes(http.status)) return null;
  return new Refusal(http.status, http.error, http.message, http.details, fieldOf(http.message));
}

/** The API adapter's half: the value, or the refusal thrown (rendered as the JSON error). */
export function orThrow<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw outcome.refusal;
  return outcome.value;
}
