import type { Context } from "hono";
import { z } from "zod";
import { errorNameFor, httpStatusFor, isSqlErrorCode } from "../../db/errors.ts";

/** The JSON error body of every API error: a short machine code and a sentence for people. */
export interface ErrorBody {
  error: string;
  message?: string;
  details?: unknown;
}

/** An error that already knows its HTTP status. Throw it from any handler or middleware. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly error: string,
    message?: string,
    readonly details?: unknown,
    /** Extra response headers (Retry-After…). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? error);
  }

  body(): ErrorBody {
    const body: ErrorBody = { error: this.error };
    if (this.message && this.message !== this.error) body.message = this.message;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

/** Standard PostgreSQL SQLSTATEs a request can legitimately cause. */
const PG_STATUS: Record<string, { status: number; error: string }> = {
  "23505": { status: 409, error: "conflict" }, // unique_violation
  "23503": { status: 409, error: "conflict" }, // foreign_key_violation
  "23514": { status: 400, error: "bad_request" }, // check_violation
  "23502": { status: 400, error: "bad_request" }, // not_null_violation
  "22001": { status: 400, error: "bad_request" }, // string_data_right_truncation
  "22003": { status: 400, error: "bad_request" }, // numeric_value_out_of_range
  "22023": { status: 400, error: "bad_request" }, // invalid_parameter_value
  "22P02": { status: 400, error: "bad_request" }, // invalid_text_representation (bad uuid, …)
  "22021": { status: 400, error: "bad_request" }, // character_not_in_repertoire (a NUL in text)
  "22P05": { status: 400, error: "bad_request" }, // untranslatable_character (\u0000 in jsonb)
  "P0002": { status: 404, error: "not_found" }, // no_data_found
  "42501": { status: 403, error: "forbidden" }, // insufficient_privilege
  "40001": { status: 503, error: "unavailable" }, // serialization_failure
  "40P01": { status: 503, error: "unavailable" }, // deadlock_detected
  "55P03": { status: 503, error: "unavailable" }, // lock_not_available
  "57014": { status: 503, error: "unavailable" }, // query_canceled (statement timeout)
  "53300": { status: 503, error: "unavailable" }, // too_many_connections
};

interface PgLike {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

function isPgError(e: unknown): e is PgLike {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string" && /^[0-9A-Z]{5}$/.test((e as unknown as { code: string }).code)
    && (e.name === "PostgresError" || "severity" in e || "routine" in e);
}

/** Zod issues as `{ field: [messages] }` (root problems under `_`). */
export function zodDetails(error: z.ZodError): Record<string, string[]> {
  const flat = z.flattenError(error);
  const details: Record<string, string[]> = { ...flat.fieldErrors } as Record<string, string[]>;
  if (flat.formErrors.length) details._ = flat.formErrors;
  return details;
}

/**
 * The one mapping from anything thrown to an HTTP answer. Returns null for errors that are our
 * bug (the caller logs them and answers 500 without details).
 */
export function toHttpError(e: unknown): HttpError | null {
  if (e instanceof HttpError) return e;
  if (e instanceof z.ZodError) {
    const first = e.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    return new HttpError(400, "bad_request", `${where}${first?.message ?? "invalid input"}`, zodDetails(e));
  }
  if (isPgError(e)) {
    // Our own codes (sql/*.sql raise them, src/db/errors.ts lists them with their status and name).
    if (isSqlErrorCode(e.code)) {
      const status = httpStatusFor(e.code);
      if (status >= 500) return null;
      const hint = e.hint && !e.hint.startsWith("retry_after_s=") ? ` (${e.hint})` : "";
      return new HttpError(status, errorNameFor(e.code)!, e.message + hint, { code: e.code }, retryHeaders(e));
    }
    const known = PG_STATUS[e.code];
    if (!known) return null;
    if (known.status === 503) return new HttpError(503, "unavailable", "the database is busy; retry in a moment", undefined, { "Retry-After": "1" });
    if (e.code === "22021" || e.code === "22P05") {
      return new HttpError(400, "bad_request", `text may not contain NUL (\\u0000) characters or invalid UTF-8; the database refused a value: ${e.message}`);
    }
    return new HttpError(known.status, known.error, e.detail ? `${e.message} (${e.detail})` : e.message);
  }
  return null;
}

/** A coded SQL error may carry `retry_after_s=N` in its hint (cooldowns, quotas). */
function retryHeaders(e: PgLike): Record<string, string> {
  const m = /retry_after_s=(\d+)/.exec(e.hint ?? "");
  return m ? { "Retry-After": m[1] } : {};
}

/** Turns any thrown value into the API's JSON error response; unexpected errors are logged. */
export function jsonError(c: Context, e: unknown): Response {
  const http = toHttpError(e);
  if (!http) {
    (c.var as { log?: { error(m: string, f?: object): void } }).log?.error("unhandled error", { error: e });
    return c.json({ error: "internal_error", message: "something went wrong on our side" } satisfies ErrorBody, 500);
  }
  for (const [k, v] of Object.entries(http.headers)) c.header(k, v);
  return c.json(http.body(), http.status as 400);
}

/** For pages: the status and one sentence to show, or null when the error is our bug (500). */
export function describeError(e: unknown): { status: number; message: string; details?: unknown } | null {
  const http = toHttpError(e);
  return http ? { status: http.status, message: http.message, details: http.details } : null;
}
