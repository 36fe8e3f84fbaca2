/**
 * Child process of bench/web_pages.ts: holds N SSE connections (so the clients do not share the
 * server's event loop) and reports, per round, when each client received the pushed fragments.
 * Messages from the parent: {arm: round}; to the parent: {ready}, {round, at: number[]} where
 * `at` are absolute times (performance.timeOrigin + performance.now()).
 */
import { Agent, request } from "node:http";

const [url, count] = [process.argv[2], Number(process.argv[3])];
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
let round = -1;
let arrivals: number[] = [];
const seen = new Array<number>(count).fill(-1);

await Promise.all(Array.from({ length: count }, (_, i) => new Promise<void>((resolve, reject) => {
  const req = request(url, { agent, headers: { Accept: "text/event-stream" } }, (res) => {
    // A refused stream (429 from the SSE caps, say) must end the bench, not leave it waiting.
    if (res.statusCode !== 200) return reject(new Error(`client ${i}: HTTP ${res.statusCode} ${res.headers["retry-after"] ? `(Retry-After ${res.headers["retry-after"]})` : ""}`));
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (chunk.startsWith(": connected")) return resolve();
      if (round >= 0 && seen[i] !== round && chunk.includes("hx-swap-oob")) {
        seen[i] = round;
        arrivals.push(performance.timeOrigin + performance.now());
        if (arrivals.length === count) {
          process.send!({ round, at: arrivals });
          arrivals = [];
        }
      }
    });
  });
  req.on("error", reject);
  req.end();
})));
process.send!({ ready: true });
process.on("message", (m: { arm?: number; exit?: boolean }) => {
  if (m.exit) process.exit(0);
  if (typeof m.arm === "number") {
    round = m.arm;
    arrivals = [];
  }
});
