import { BlockList, isIP } from "node:net";
import type { Context } from "hono";

/**
 * Parses `TRUST_PROXY`: comma-separated IPs and CIDRs (`10.0.0.0/8,127.0.0.1,fd00::/8`) of the
 * proxies whose `X-Forwarded-For` we believe. Throws an Error naming the entry and the rule.
 */
export function parseTrustProxy(text: string): BlockList {
  const list = new BlockList();
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address, bits, extra] = entry.split("/");
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
      throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR (like 10.0.0.0/8 or 127.0.0.1)`);
    }
    list.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return list;
}

const lists = new WeakMap<object, BlockList>();
/** The one configuration value this file reads (src/config.ts validates it with parseTrustProxy). */
export interface TrustProxySetting { TRUST_PROXY?: string }

function trustedOf(config: TrustProxySetting): BlockList {
  let list = lists.get(config);
  if (!list) lists.set(config, (list = parseTrustProxy(config.TRUST_PROXY ?? "")));
  return list;
}

const trusted = (list: BlockList, ip: string) => {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 4 ? "ipv4" : "ipv6");
};

/**
 * The client's address: the socket peer, unless that peer is a proxy listed in TRUST_PROXY; then
 * `X-Forwarded-For` is read from the right, skipping our own proxies, and the first address not
 * listed is the client (entries further left were written by the client and prove nothing).
 * With no socket (`app.request()` in tests) the peer is "unknown", which no list trusts; tests
 * that want per-address limits pass `{ incoming: { socket: { remoteAddress } } }` as the env.
 */
export function clientIp(c: Context, config: TrustProxySetting): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const peer = env?.incoming?.socket?.remoteAddress ?? "unknown";
  const list = trustedOf(config);
  if (!trusted(list, peer)) return peer;
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    if (isIP(hops[i]) === 0) break; // garbage from the client: stop at the last address we can vouch for
    client = hops[i];
    if (!trusted(list, client)) break;
  }
  return client;
}

/**
 * Who a per-address budget (rate limits, live-stream caps) is charged to: an IPv4 address as it
 * is, an IPv6 address by its /64. One IPv6 subscriber is handed a whole /64 (2^64 addresses),
 * so counting each address apart let one client take a fresh budget per request. An
 * IPv4-mapped address (`::ffff:203.0.113.7`) counts as its IPv4 address.
 */
export function clientBucket(c: Context, config: TrustProxySetting): string {
  return addressBucket(clientIp(c, config));
}

/** `2001:db8:1:2:a:b:c:d` → `2001:db8:1:2::/64`; IPv4 and anything that is not an address as given. */
export function addressBucket(ip: string): string {
  const address = ip.split("%")[0]!; // a zone (fe80::1%eth0) names our interface, not the client
  if (isIP(address) !== 6) return ip;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === "0") && groups[5] === "ffff") {
    const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight groups of a valid IPv6 address, without leading zeros ("::" and a dotted tail expanded). */
function ipv6Groups(address: string): string[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}

