import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { SESSION_COOKIE } from "./authentication.ts";
import { HttpError } from "./error_responses.ts";

/**
 * Checks every request passes before it reaches a route: what no route can serve (a NUL in the
 * URL) and what no browser may do for another site (an unsafe request riding on our cookie).
 */

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A NUL in a path segment or query parameter names nothing we store: PostgreSQL refuses it in
 * text, and file APIs refuse it in paths. One 400 here, instead of a 500 wherever it lands.
 */
export const refuseNulInUrl: MiddlewareHandler = async (c, next) => {
  if (/%00/i.test(c.req.url)) {
    throw new HttpError(400, "bad_request", "the URL holds a NUL character (%00); no path segment or query parameter may contain one");
  }
  await next();
};

/**
 * Cross-site request forgery: browsers attach our session cookie to requests another site makes,
 * with any Content-Type a form or `fetch` can send (hono's csrf() checks only the form types, so
 * a `text/plain` or JSON-ish body got through). So an unsafe request must show it comes from this
 * origin — `Sec-Fetch-Site: same-origin` or an `Origin` equal to ours — whatever its body:
 * - on pages always (also without a cookie: a forged login would sign the victim in as the attacker);
 * - on the API when it carries the session cookie. A request with an `Authorization` header is
 *   authenticated by it alone (the cookie is then ignored), and no other site can make a browser
 *   send that header to us (it needs a CORS preflight we never grant), so it passes, as do
 *   cookie-less scripts (logging in with curl).
 */
export const sameOriginWrites: MiddlewareHandler = async (c, next) => {
  if (SAFE.has(c.req.method)) return next();
  const api = c.req.path.startsWith("/api/");
  if (api && (c.req.header("authorization") !== undefined || getCookie(c, SESSION_COOKIE) === undefined)) return next();
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  const own = new URL(c.req.url).origin;
  if (site === "same-origin" || origin === own) return next();
  const seen = `Origin ${JSON.stringify(origin ?? "none")}, Sec-Fetch-Site ${JSON.stringify(site ?? "none")}`;
  throw new HttpError(403, "forbidden",
    api
      ? `a cookie-authenticated ${c.req.method} must come from ${own} (got ${seen}); scripts should send \`Authorization: Bearer <token>\``
      : `a ${c.req.method} to this site must come from its own pages at ${own} (got ${seen})`);
};
