import type { Child, FC, PropsWithChildren } from "hono/jsx";
import type { Viewer } from "./models.ts";

export interface LayoutProps {
  title: string;
  viewer: Viewer | null;
  /** Live regions of this page: the SSE topics and the hub id the page was rendered at. */
  live?: { topics: string[]; since: string } | null;
  /** Which nav entry is current. */
  nav?: "home" | "matches" | "profile" | "admin" | "auth";
}

/** What a page tells the layout: `c.render(<Page …/>, head)` (the viewer comes from the request). */
export type PageHead = Omit<LayoutProps, "viewer">;

/**
 * The page shell, applied once to every page by the page renderer (src/web/pages/common.tsx);
 * views render only what goes inside `<main>`. `hx-boost:inherited` makes links and forms swap
 * the body (htmx 4 needs the explicit `:inherited`); every page still works as plain links and
 * forms without JavaScript.
 * One `hx-sse:connect` element per page receives HTML whose `hx-swap-oob` parts land in the
 * page's live regions.
 */
export const Layout: FC<PropsWithChildren<LayoutProps>> = ({ title, viewer, live, nav, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title} · RL-Arena</title>
      <link rel="stylesheet" href="/static/app.css" />
      <link rel="stylesheet" href="/static/player.css" />
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      {/* Not deferred, on purpose: htmx 4 initialises on a timer when it runs after parsing
          (deferred scripts run with readyState "interactive"), which can beat the deferred SSE
          extension and leave hx-sse:connect unprocessed. Parser-blocking scripts run while
          readyState is "loading", so htmx waits for DOMContentLoaded, after both are loaded. */}
      <script src="/static/vendor/htmx.min.js"></script>
      <script src="/static/vendor/hx-sse.min.js"></script>
      <script src="/static/app.js" defer></script>
      {/* Alpine's CSP build (no eval: x-* attributes name components that app.js registers, so it
          comes after app.js). On every page: a boosted navigation keeps the first page's head. */}
      <script src="/static/vendor/alpine.min.js" defer></script>
    </head>
    <body hx-boost:inherited="true">
      <header class="topbar">
        <a class="brand" href="/">
          <span class="logo" aria-hidden="true">◆</span> RL-Arena
        </a>
        <nav>
          <a href="/" class={nav === "home" ? "current" : undefined}>Environments</a>
          <a href="/matches" class={nav === "matches" ? "current" : undefined}>Live matches</a>
          {viewer?.role === "admin" && (
            <a href="/admin" class={nav === "admin" ? "current" : undefined}>Admin</a>
          )}
        </nav>
        <div class="session">
          {viewer ? (
            <>
              <a href="/profile" class={nav === "profile" ? "current" : undefined}>
                {viewer.username}
              </a>
              <form method="post" action="/logout" class="inline">
                <button type="submit" class="link" id="logout">
                  Log out
                </button>
              </form>
            </>
          ) : (
            <>
              <a href="/login">Log in</a>
              <a href="/signup" class="button small">
                Sign up
              </a>
            </>
          )}
        </div>
      </header>
      <main id="main">{children}</main>
      <footer class="footer">
        RL-Arena · <a href="/api/docs">API</a> · train locally with <code>npx rl-arena-env</code>
      </footer>
      {live && live.topics.length > 0 && (
        <div
          id="live"
          hidden
          hx-sse:connect={`/events?topics=${encodeURIComponent(live.topics.join(","))}&since=${encodeURIComponent(live.since)}`}
          hx-swap="none"
        ></div>
      )}
    </body>
  </html>
);

/** A card-like section with a heading. */
export const Section: FC<PropsWithChildren<{ title: Child; id?: string; actions?: Child }>> = ({ title, id, actions, children }) => (
  <section class="card" id={id}>
    <div class="card-head">
      <h2>{title}</h2>
      {actions}
    </div>
    {children}
  </section>
);
