/**
 * `node bridge_main.ts attach <fifo-dir> [--open-timeout-ms N] [--stderr-cap-bytes N]`
 *
 * Spawned by the referee in the match pod, once per seat, in place of a local agent process
 * (see bridge.ts). Exits 0 when the agent closes its stdout, 3 when the agent never
 * opened its pipes, 2 on a usage error.
 */
import { BRIDGE_EXIT, runBridge } from "./bridge.ts";

function usage(message: string): never {
  process.stderr.write(`rl-arena bridge: ${message}\nusage: bridge_main attach <fifo-dir> [--open-timeout-ms N] [--stderr-cap-bytes N]\n`);
  process.exit(BRIDGE_EXIT.usage);
}

const [command, dir, ...rest] = process.argv.slice(2);
if (command !== "attach") usage(`unknown command ${JSON.stringify(command ?? "")}`);
if (!dir) usage("the FIFO folder is missing");
const options = { openTimeoutMs: 60_000, stderrCapBytes: 1 << 20 };
for (let i = 0; i < rest.length; i += 2) {
  const value = Number(rest[i + 1]);
  if (!Number.isInteger(value) || value < 0) usage(`${rest[i]} needs a non-negative integer, got ${JSON.stringify(rest[i + 1])}`);
  if (rest[i] === "--open-timeout-ms") options.openTimeoutMs = value;
  else if (rest[i] === "--stderr-cap-bytes") options.stderrCapBytes = value;
  else usage(`unknown option ${JSON.stringify(rest[i])}`);
}
process.stdout.on("error", () => process.exit(BRIDGE_EXIT.agentClosed)); // the referee is gone
const code = await runBridge(dir, options, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
process.exit(code);
