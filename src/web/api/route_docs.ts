import type { z } from "@hono/zod-openapi";
import type { RateClass } from "../http/rate_limit.ts";
import { formatBytes } from "../../submissions/intake_errors.ts";
import { MAX_JSON_BYTES } from "./common.ts";
import { ErrorSchema } from "./schemas.ts";

// The parts every createRoute() of the API repeats: its error answers, its security, its notes.

const ERROR_TEXT = {
  400: "Bad input (the message names the field and the rule)",
  401: "Not signed in, or the token is invalid, expired or its session ended (logout, password change, disabled account)",
  403: "Not allowed (not the owner, or the account is disabled)",
  404: "No such resource",
  409: "Conflicts with the current state (duplicate name, limit reached…)",
  413: `Body too large (uploads: {maxUpload}; other bodies: ${formatBytes(MAX_JSON_BYTES)})`,
  422: "Invalid archive (the message names the offending entry)",
  429: "Rate limited; see Retry-After",
} as const;
type ErrorStatus = keyof typeof ERROR_TEXT;

/** The error answers a route may give, each with the Error body. `{maxUpload}` is filled in by openapi.ts. */
export function errors<S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((s) => [s, { description: ERROR_TEXT[s], content: { "application/json": { schema: ErrorSchema } } }])) as unknown as
    Record<S, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

/** A JSON answer with its schema. */
export const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });

/** A required JSON request body. */
export const jsonRequest = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

/** Signed in: a Bearer token or the session cookie (components.securitySchemes). */
export const signedIn: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

/** The description of a rate-limited and/or owner-only route. */
export function notes(o: { rateLimit?: RateClass; owner?: boolean }): string {
  const parts: string[] = [];
  if (o.rateLimit) parts.push(`Rate limited (class \`${o.rateLimit}\`): X-RateLimit-Limit/Remaining/Reset on every answer, 429 with Retry-After when exhausted.`);
  if (o.owner) parts.push("Only the agent's owner may do this.");
  return parts.join(" ");
}
