import type { Context } from "hono";
import { Hono } from "hono";
import type { Child } from "hono/jsx";
import { jsxRenderer } from "hono/jsx-renderer";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { ErrorFragment, ErrorPage, errorHead } from "../../../views/errors.tsx";
import { Layout, type PageHead } from "../../../views/layout.tsx";
import type { FieldErrors, Viewer } from "../../../views/models.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { describeError, HttpError } from "../http/error_responses.ts";
import { loadUser } from "../http/authentication.ts";

/** Whether htmx sent the request (it wants a fragment for form posts). */
export const isHtmx = (c: Context) => c.req.header("hx-request") === "true";

export const viewerOf = (c: Context<WebEnv>): Viewer | null => c.var.user ?? null;

declare module "hono" {
  interface ContextRenderer {
    (content: Child, head: PageHead): Response | Promise<Response>;
  }
}

/**
 * The one place a page gets its layout: `c.render(<SomePage …/>, head)` wraps the view in
 * views/layout.tsx (doctype, head, nav with the request's viewer, the live-region element,
 * scripts). createApp installs it for every path outside /api, so the 404 and error pages get it
 * too. Set the status with `c.status(n)` before `c.render`.
 *
 * It never answers a fragment itself, even for htmx: boosted navigation (hx-boost on <body>)
 * sends HX-Request: true too and needs the whole document, and only the route knows which
 * fragment a form post swaps in (its form, its table row). Those routes answer the fragment with
 * `c.html(<Fragment …/>, status)` when `isHtmx(c)`, as before.
 */
export const pageRenderer = jsxRenderer(({ children, title, nav, live }, c) => (
  <Layout title={title} nav={nav} live={live} viewer={(c as Context<WebEnv>).get("user") ?? null}>{children}</Layout>
));

/** After a successful form post: htmx gets HX-Redirect (a full navigation), plain forms 303. */
export function redirect(c: Context, to: string): Response {
  if (isHtmx(c)) {
    c.header("HX-Redirect", to);
    return c.body(null, 204);
  }
  return c.redirect(to, 303);
}

/** Zod issues as one message per field (the first), `_` for the form itself. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "_");
    out[key] ??= issue.message;
  }
  return out;
}

/** Form fields as strings (files dropped); a body that is not a form is a 400. */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    throw new HttpError(400, "bad_request", `send a form (application/x-www-form-urlencoded or multipart/form-data), got ${JSON.stringify(type || "none")}`);
  }
  const body = await readForm(c);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The request's form body; a body that does not parse as its Content-Type says is a 400, not a 500. */
export async function readForm(c: Context): Promise<Record<string, string | File | (string | File)[]>> {
  try {
    return await c.req.parseBody();
  } catch (e) {
    if (e instanceof HttpError) throw e; // the body limit's 413
    const type = (c.req.header("content-type") ?? "").split(";")[0];
    throw new HttpError(400, "bad_request", `the body could not be read as ${type} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** `?page=N`, 1 by default; anything else is a 400 naming the value. */
export const PageParam = z.coerce.number().int("page must be a whole number").min(1, "page must be 1 or more").max(100_000).default(1);

export function pageNumber(c: Context): number {
  const r = PageParam.safeParse(c.req.query("page") || undefined);
  if (!r.success) throw new HttpError(400, "bad_request", `page ${JSON.stringify(c.req.query("page"))}: ${r.error.issues[0].message}`);
  return r.data;
}

/** A UUID path segment; anything else cannot name a row, so it is a 404 naming the value. */
export function uuidParam(noun: string, value: string): string {
  if (!z.uuid().safeParse(value).success) throw new HttpError(404, "not_found", `${noun} ${JSON.stringify(value)} does not exist`);
  return value;
}

/** Answers an error as an HTML page (or a fragment for htmx); anonymous GETs needing a login go to /login. */
export async function pageError(c: Context<WebEnv>, e: unknown): Promise<Response> {
  const d = describeError(e);
  if (!d) c.var.log?.error("unhandled error on a page", { error: e });
  const status = d?.status ?? 500;
  const message = d?.message ?? "Something went wrong on our side; it has been logged.";
  if (e instanceof HttpError) for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
  if (status === 401 && c.req.method === "GET" && !isHtmx(c)) {
    return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
  }
  if (isHtmx(c) && c.req.method !== "GET") return c.html(<ErrorFragment status={status} message={message} />, status as ContentfulStatusCode);
  c.status(status as ContentfulStatusCode);
  return c.render(<ErrorPage status={status} message={message} />, errorHead(status));
}

/**
 * A `new Hono()` for one URL area of pages: the viewer is loaded and errors render as HTML.
 * Its pages call `c.render`, whose layout createApp installs once (pageRenderer): a sub-app's
 * own middleware runs for every path of the site once mounted at "/".
 */
export function pageApp(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use(loadUser(deps));
  app.onError((e, c) => pageError(c, e));
  return app;
}

/** The viewer or a 401 (which a page GET turns into a redirect to the login form). */
export function signedIn(c: Context<WebEnv>): Viewer {
  const user = c.var.user;
  if (!user) throw new HttpError(401, "unauthorized", "log in first");
  return user;
}
