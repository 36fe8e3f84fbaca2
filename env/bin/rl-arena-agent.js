#!/usr/bin/env node
// Runs a JavaScript agent module over the agent protocol: `rl-arena-agent path/to/agent.js`.
import { loadEntry } from "./load.js";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: rl-arena-agent <agent.js|agent.mjs>\n");
  process.exit(2);
}
const { runAgentFile } = await loadEntry("sdk");
await runAgentFile(file);
