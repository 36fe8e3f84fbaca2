import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { loadUser } from "./auth.ts";
import type { WebDeps, WebEnv } from "./deps.ts";
import { isTopic, type LiveHub } from "./sse.ts";

const Query = z.object({
  topics: z
    .string()
    .max(600)
    .transform((s) => s.split(",").map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isTopic, { message: "unknown topic" })).min(1, "name at least one topic").max(12)),
  since: z.string().regex(/^[0-9a-f]{8}-\d{1,15}$/).optional(),
});

/** How often an idle stream gets a comment line, so proxies and browsers keep it open. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * `GET /events?topics=feed,leaderboard:pong&since=<id>`: an SSE stream of unnamed messages
 * whose data is HTML holding `hx-swap-oob` fragments, so one `hx-sse:connect` element per page
 * (with `hx-swap="none"`) updates every live region of that page. Build status (`submissions`)
 * reaches only the signed-in owner. `Last-Event-ID` (set by htmx on reconnect) wins over `since`.
 */
export function eventRoutes(hub: LiveHub, deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use("/events", loadUser(deps));
  app.get("/events", (c) => {
    const parsed = Query.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.text(`bad topics: ${issue.path.join(".")} ${issue.message} (known: feed, leaders, submissions, feed:<env>, leaderboard:<env>, agent:<id>, match:<id>)`, 400);
    }
    const topics = new Set(parsed.data.topics);
    const since = c.req.header("last-event-id") || parsed.data.since || null;
    const userId = c.var.user?.id ?? null;
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      let closed = false;
      const unsubscribe = await hub.subscribe(
        {
          topics,
          userId,
          send: (m) => {
            if (!closed) stream.write(m.frame).catch(() => (closed = true));
          },
        },
        since,
      );
      await stream.write(`: connected ${hub.lastId()}\n\n`);
      // The stream stays open until the client goes; a comment line every 15 s keeps proxies
      // from closing it. The timer is unref'd: open streams alone never keep a process alive.
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {
          if (!closed) stream.write(": keep-alive\n\n").catch(() => (closed = true));
        }, KEEP_ALIVE_MS);
        keepAlive.unref?.();
        stream.onAbort(() => {
          closed = true;
          clearInterval(keepAlive);
          unsubscribe();
          resolve();
        });
      });
    });
  });
  return app;
}
