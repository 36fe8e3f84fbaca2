/**
 * Text an agent controls (its stderr, the lines and values it sent, build output), made safe
 * to store. PostgreSQL refuses NUL in `text` and both `\u0000` and unpaired surrogates in
 * `jsonb`, so one such character in a log or fault detail used to fail the whole result: the
 * match ended `failed` with no rating change, and an agent could dodge every loss that way.
 * Invalid UTF-8 becomes U+FFFD when bytes are decoded (Buffer#toString); these functions
 * replace what decoding lets through, and cut to a byte budget without splitting a character.
 */

/** U+FFFD REPLACEMENT CHARACTER: what stands in for every byte or unit that cannot be stored. */
export const REPLACEMENT = "\ufffd";

// NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with every NUL and unpaired surrogate replaced by U+FFFD (the same length in UTF-16 units). */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, REPLACEMENT);
}

/** Decodes bytes an agent wrote: invalid UTF-8 and NUL become U+FFFD. */
export function decodeAgentBytes(bytes: Uint8Array): string {
  return storableText(decoder.decode(bytes));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8"); // not fatal: each invalid sequence becomes U+FFFD

/** Whether `text` can be stored as it is (no NUL, no unpaired surrogate). */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE_ANY.test(text);
}
const UNSTORABLE_ANY = new RegExp(UNSTORABLE.source);

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes`, never splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return "";
  if (text.length * 3 <= maxBytes) return text; // a UTF-16 unit never takes more than 3 bytes
  const all = encoder.encode(text);
  if (all.length <= maxBytes) return text;
  const bytes = all.subarray(0, maxBytes);
  // Step back over a character the cut split: its continuation bytes (10xxxxxx) and its lead byte.
  let end = bytes.length;
  let i = end - 1;
  while (i > 0 && (bytes[i]! & 0xc0) === 0x80) i--;
  const lead = bytes[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (i + need > end) end = i;
  return decoder.decode(bytes.subarray(0, end));
}

/**
 * A copy of a JSON value (an outcome, a fault detail) whose strings and object keys are all
 * storable in `jsonb`. Numbers, booleans and null are kept; anything JSON cannot hold is dropped
 * the way JSON.stringify drops it.
 */
export function storableJson<T>(value: T): T {
  if (value === undefined) return value;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "string") return storableText(v);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) out[storableText(k)] = inner;
      return out;
    }
    return v;
  })) as T;
}

/**
 * An agent's log followed by the platform's notes about it, in at most `capBytes` bytes of
 * UTF-8: the agent's part is cut, with a marker, so the notes (why it lost) always survive the
 * cap. `alreadyCut` says bytes were dropped before (the marker is added even when it now fits).
 */
export function logWithin(agentLog: string, notes: string, capBytes: number, alreadyCut = false): string {
  const text = storableText(agentLog);
  const join = text && notes && !text.endsWith("\n") ? "\n" : "";
  const whole = text + join + storableText(notes);
  if (!alreadyCut && encoder.encode(whole).length <= capBytes) return whole;
  const marker = `\n[rl-arena: stderr truncated here, the log is capped at ${capBytes} bytes]\n`;
  const tail = cutUtf8(marker + storableText(notes), capBytes);
  return cutUtf8(text, capBytes - encoder.encode(tail).length) + tail;
}
