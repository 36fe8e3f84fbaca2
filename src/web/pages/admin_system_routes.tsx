import { streamSSE } from "hono/streaming";
import { systemHead, SystemPage, SystemPanel } from "../../../views/admin_system.tsx";
import { requireAdmin } from "../http/authentication.ts";
import { liveSessionUser } from "../http/session_store.ts";
import type { WebDeps } from "../deps.ts";
import { pageApp } from "./common.tsx";
import { systemSnapshot } from "./system_snapshot.ts";

/**
 * Open system-page streams of this process. They are not the hub's subscribers, so the count of
 * live connections (the hub's) once read 0 on the very page that was streaming.
 */
let systemStreams = 0;

/** How often the open system page gets fresh numbers. */
export const SYSTEM_REFRESH_S = 3;

/**
 * `/admin/system`: the operator's view of the platform (admins only). `/admin/system/stream`
 * pushes a re-rendered panel every few seconds over SSE; each message is the panel's HTML,
 * which htmx 4 swaps into the `hx-sse:connect` element.
 */
export function adminSystemRoutes(deps: WebDeps, everySeconds = SYSTEM_REFRESH_S) {
  const app = pageApp(deps);
  app.use("/admin/system", requireAdmin(deps));
  app.use("/admin/system/*", requireAdmin(deps));

  app.get("/admin/system", async (c) =>
    c.render(<SystemPage snapshot={await systemSnapshot(deps.sql, deps.sandboxStatus?.() ?? null)} everySeconds={everySeconds} />, systemHead));

  app.get("/admin/system/stream", (c) =>
    // HEAD: headers only (a stream for it would never learn its client left; see events.ts).
    c.req.method === "HEAD" ? c.body(null, 200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" }) : streamSSE(c, async (stream) => {
      let n = 0;
      const session = c.get("auth").session!;
      systemStreams++;
      try {
        // A long-lived stream re-checks its viewer: it ends once they are no longer an admin.
        while (!stream.aborted && (await liveSessionUser(deps, session, Date.now(), { fresh: true }))?.role === "admin") {
          try {
            const snapshot = await systemSnapshot(deps.sql, deps.sandboxStatus?.() ?? null);
            snapshot.process.sseSubscribers += systemStreams;
            // A string on an open stream, not a response: c.render (the page renderer) does not apply.
            const panel = String(await (<SystemPanel s={snapshot} />).toString());
            await stream.writeSSE({ data: panel, id: String(++n) });
          } catch (error) {
            c.var.log?.warn("system page snapshot failed", { error });
          }
          await stream.sleep(everySeconds * 1000);
        }
      } finally {
        systemStreams--;
      }
    }));
  return app;
}
