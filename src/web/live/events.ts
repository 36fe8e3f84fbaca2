import { Hono } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { z } from "zod";
import { loadUser } from "../http/authentication.ts";
import { clientBucket } from "../http/client_ip.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import type { LiveHub } from "./hub.ts";
import { sseComment } from "./sse_wire.ts";
import { isTopic, TOPIC_HELP } from "./topics.ts";
import { StreamCaps } from "./stream_caps.ts";

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
/** Frames a stream may hold unread before it is cut off (see serve). */
export const MAX_UNSENT_FRAMES = 64;
/** Retry-After of a stream refused by a cap: streams end when tabs close, so slots free up soon. */
export const STREAM_RETRY_AFTER_S = 10;

/**
 * `GET /events?topics=feed,leaderboard:pong&since=<id>`: an SSE stream of unnamed messages
 * whose data is HTML holding `hx-swap-oob` fragments, so one `hx-sse:connect` element per page
 * (with `hx-swap="none"`) updates every live region of that page. Build status (`submissions`)
 * reaches only the signed-in owner. `Last-Event-ID` (set by htmx on reconnect) wins over `since`.
 * Streams are capped per client (user, or address when anonymous) and per process: 429 beyond.
 */
export function eventRoutes(hub: LiveHub, deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const caps = new StreamCaps(deps.config.SSE_MAX_STREAMS ?? 1000, deps.config.SSE_MAX_STREAMS_PER_CLIENT ?? 20);
  app.use("/events", loadUser(deps));
  app.get("/events", (c) => {
    const parsed = Query.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.text(`bad topics: ${issue.path.join(".")} ${issue.message} (known: ${TOPIC_HELP})`, 400);
    }
    const topics = new Set(parsed.data.topics);
    const since = c.req.header("last-event-id") || parsed.data.since || null;
    const userId = c.var.user?.id ?? null;
    // Hono answers HEAD with the GET handler and drops its body without cancelling it, so a
    // stream opened for HEAD never sees its client leave: it would hold a slot (and a hub
    // subscription) for the life of the process. HEAD gets the headers alone.
    if (c.req.method === "HEAD") return c.body(null, 200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    const slot = caps.claim(userId ? `user:${userId}` : `ip:${clientBucket(c, deps.config)}`);
    if ("refused" in slot) {
      c.header("Retry-After", String(STREAM_RETRY_AFTER_S));
      return c.text(`${slot.refused}; retry in ${STREAM_RETRY_AFTER_S} s`, 429);
    }
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      try {
        await serve(stream);
      } finally {
        slot.release();
      }
    });

    async function serve(stream: SSEStreamingApi): Promise<void> {
      let closed = false;
      // Frames written but not yet taken by the client. Writes queue in memory without bound
      // while a client does not read (its TCP window stays full), so a client this far behind
      // is cut off: it reconnects with Last-Event-ID and gets a fresh render of what it missed.
      let unsent = 0;
      const push = (frame: Uint8Array | string) => {
        if (closed) return;
        if (unsent >= MAX_UNSENT_FRAMES) return stream.abort(); // ends it through onAbort below
        unsent++;
        void stream.write(frame).then(() => unsent--); // write never rejects (Hono swallows errors)
      };
      const unsubscribe = await hub.subscribe({ topics, userId, send: (m) => push(m.frame) }, since);
      await stream.write(sseComment(`connected ${hub.lastId()}`));
      // The stream stays open until the client goes; a comment line every 15 s keeps proxies
      // from closing it. The timer is unref'd: open streams alone never keep a process alive.
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => {
          push(sseComment("keep-alive"));
        }, KEEP_ALIVE_MS);
        keepAlive.unref?.();
        const end = () => {
          closed = true;
          clearInterval(keepAlive);
          unsubscribe();
          resolve();
        };
        stream.onAbort(end);
        if (stream.aborted) end(); // the client left while we subscribed: onAbort listeners already ran
      });
    }
  });
  return app;
}
