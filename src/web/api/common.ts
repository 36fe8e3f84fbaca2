import type { MiddlewareHandler } from "hono";
import { OpenAPIHono, type Hook, z } from "@hono/zod-openapi";
import type { WebEnv } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";

/** Bodies other than uploads are small JSON documents. */
export const MAX_JSON_BYTES = 64 * 1024;

/** `?page=1&pageSize=20` on every list: page ≥ 1, pageSize 1–100. */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1, "page must be 1 or more").max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1, "pageSize must be between 1 and 100").max(100, "pageSize must be between 1 and 100").default(20),
});
export type Page = z.infer<typeof PageQuery>;

/** The page envelope every list shares (the list itself sits under a named key). */
export function pageOf(page: Page, total: number): { page: number; pageSize: number; total: number } {
  return { page: page.page, pageSize: page.pageSize, total };
}

/** An id in the path or body: a UUID, named in the 404/400 message when it is not one. */
export const Uuid = z.uuid({ message: "must be a UUID" });

/**
 * A path id: a UUID in the document; one that is not cannot name anything, so the router's hook
 * answers 404 with this message (the value and the rule), not 400.
 */
export const idParam = (noun: string) =>
  z.uuid({ error: (issue) => `${noun} ${JSON.stringify(issue.input)} does not exist (ids are UUIDs)` });

/**
 * The validation hook of every API router: a path id that fails is a 404 (see idParam), any other
 * failing query or body the 400 that toHttpError makes of a ZodError (the field and the rule).
 */
const validationHook: Hook<unknown, WebEnv, string, undefined> = (result) => {
  if (result.success) return;
  if (result.target === "param") throw new HttpError(404, "not_found", result.error.issues[0]?.message);
  throw result.error;
};

/** One area's router: its routes are declared with createRoute and validated by their schemas. */
export const apiArea = () => new OpenAPIHono<WebEnv>({ defaultHook: validationHook });

/**
 * The JSON media types @hono/zod-openapi reads as JSON; any other type it refuses with a bare 415
 * HTTPException, which our error mapping does not know (a 500). So jsonOnly allows exactly these.
 */
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Runs before a route's body schema: a body that is not JSON is our 400 naming what came (the
 * validator would answer 415, or read it as `{}`).
 */
export const jsonOnly: MiddlewareHandler<WebEnv> = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(400, "bad_request", `send a JSON body with Content-Type: application/json (got ${JSON.stringify(type || "none")})`);
  }
  try {
    await c.req.json(); // Hono keeps the parsed body for the validator
  } catch {
    throw new HttpError(400, "bad_request", "the request body is not valid JSON");
  }
  return next();
};

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
const camelKey = (k: string) => k.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());

/** A row as postgres.js returns it: its columns are not typed, the shapers (userJson…) give it the documented shape. */
export type Row = Record<string, any>;

/** A database row with snake_case keys as a camelCase JSON object (dates as ISO strings). */
export function camel(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[camelKey(k)] = iso(v);
  return out;
}

/** int8/numeric come back from postgres.js as strings. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
