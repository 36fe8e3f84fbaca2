#!/usr/bin/env node
// The rl-arena-env command line (see `rl-arena-env help`).
import { loadEntry } from "./load.js";

// `rl-arena-env describe pong | head` closes our stdout early: stop quietly, as Unix tools do,
// instead of dying with an unhandled EPIPE stack.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const { main } = await loadEntry("cli");
process.exitCode = await main(process.argv.slice(2));
