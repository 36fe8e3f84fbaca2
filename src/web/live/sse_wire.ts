/**
 * The Server-Sent Events wire format, apart from the hub (hub.ts) that decides who gets what.
 * The hub encodes each message once here and hands the same bytes to every subscriber.
 */

/** One SSE message, with its wire form encoded once and shared by every client that gets it. */
export interface SseMessage {
  id: string;
  data: string;
  /** `id: …\ndata: …\n\n` as UTF-8. */
  frame: Uint8Array;
}

const encoder = new TextEncoder();

/** Formats an SSE message (each data line prefixed; no `event:` so htmx 4 swaps it). */
export function sseMessage(id: string, data: string): SseMessage {
  const lines = data.split(/\r\n|\r|\n/).map((l) => `data: ${l}`).join("\n");
  return { id, data, frame: encoder.encode(`id: ${id}\n${lines}\n\n`) };
}

/** A comment line (`: …`): clients ignore it; it opens the stream and keeps proxies from closing it. */
export const sseComment = (text: string): string => `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
