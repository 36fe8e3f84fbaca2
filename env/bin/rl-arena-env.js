#!/usr/bin/env node
// The rl-arena-env command line (see `rl-arena-env help`).
import { loadEntry } from "./load.js";

const { main } = await loadEntry("cli");
process.exitCode = await main(process.argv.slice(2));
