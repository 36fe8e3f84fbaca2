#!/usr/bin/env node
// Serves a built-in policy over the agent protocol: `rl-arena-builtin pong-tracker`.
import { loadEntry } from "./load.js";

const { runBuiltin } = await loadEntry("sdk_builtin");
await runBuiltin(process.argv[2]);
