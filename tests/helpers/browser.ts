/**
 * Shared setup of the browser tests: the app served on a free port of 127.0.0.1, and Debian's
 * chromium driven by playwright-core.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { chromium, type Browser } from "playwright-core";

export const CHROME = process.env.CHROME_PATH ?? "/usr/lib/chromium/chromium";

/** Serves `fetch` on a free port of 127.0.0.1; resolves once it listens, with the server and its base URL. */
export async function serveOnFreePort(fetch: Parameters<typeof serve>[0]["fetch"]): Promise<{ server: Server; base: string }> {
  const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((r) => server.once("listening", () => r()));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Headless chromium (CHROME) without background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROME,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-quic",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
