/**
 * SANDBOX=auto|bwrap|none as the executor sees them: without a working bubblewrap the platform
 * plays built-in agents but refuses uploaded code, unless the operator chose SANDBOX=none.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { play } from "../src/executor/local/executor.ts";
import { initSandbox, sandboxStatus } from "../src/executor/local/sandbox.ts";
import { PlatformError, type MatchSpec, type SeatSpec } from "../src/executor/types.ts";
import { quietLog, testDataDir } from "./fixtures/engine.ts";

const dataDir = testDataDir("rla-modes-");
const agentDir = join(dataDir, "uploaded");
mkdirSync(agentDir);
chmodSync(agentDir, 0o755);
writeFileSync(join(agentDir, "main.py"), "import os, sys\nprint('uid %d, /work visible: %s' % (os.getuid(), os.path.exists('/work')), file=sys.stderr)\ndef act(observation):\n    return 1\n", { mode: 0o644 });

const builtin = (entry: string): SeatSpec => ({ agentId: entry, name: entry, submissionId: "", version: 1, language: "builtin", entry });
const uploaded: SeatSpec = { agentId: "up", name: "up", submissionId: "", version: 1, language: "python", entry: "main.py" };
const spec = (seats: SeatSpec[]): MatchSpec => ({
  matchId: "modes", environment: { id: "pong", version: "1.0.0", config: { max_steps: 30 } }, seed: 3, seats,
  settings: { initTimeoutS: 10, stepTimeoutS: 1, timeBankS: 5, memoryMb: 512, cpus: 1, maxProcesses: 64, logCapBytes: 65536, matchDeadlineS: 600 },
});

test("SANDBOX=auto without a working bwrap: status says why, built-in agents still play", async () => {
  const s = await initSandbox("auto", quietLog, { bwrap: "/nonexistent/bwrap" });
  assert.is(s.mode, "unavailable");
  assert.is(s.uploadedCodeAllowed, false);
  assert.match(s.warning!, /bubblewrap \(bwrap\) is not installed.*uploaded agents are refused until bubblewrap works or the operator sets SANDBOX=none/);
  assert.is(sandboxStatus(), s);
  const r = await play({ dataDir, log: quietLog }, spec([builtin("pong-tracker"), builtin("pong-random")]), [null, null]);
  assert.is(r.outcome.end_reason, "completed");
  assert.is(r.outcome.total_steps, 30);
});

test("SANDBOX=auto without a working bwrap refuses to run uploaded code (a platform error, before anything starts)", async () => {
  await initSandbox("auto", quietLog, { bwrap: "/nonexistent/bwrap" });
  let error: unknown;
  try {
    await play({ dataDir, log: quietLog }, spec([uploaded, builtin("pong-random")]), [agentDir, null]);
  } catch (e) {
    error = e;
  }
  assert.instance(error, PlatformError);
  assert.match((error as Error).message, /uploaded agents cannot run here: no working sandbox: bubblewrap/);
});

test("SANDBOX=bwrap without bwrap stops the boot with a clear message", async () => {
  let error: unknown;
  try {
    await initSandbox("bwrap", quietLog, { bwrap: "/nonexistent/bwrap" });
  } catch (e) {
    error = e;
  }
  assert.match(String(error), /SANDBOX=bwrap but the sandbox does not work: bubblewrap \(bwrap\) is not installed/);
});

test("SANDBOX=none runs uploaded code without a sandbox and says so", async () => {
  const s = await initSandbox("none", quietLog);
  assert.is(s.mode, "none");
  assert.is(s.uploadedCodeAllowed, true);
  assert.match(s.warning!, /WITHOUT a sandbox/);
  const r = await play({ dataDir, log: quietLog }, spec([uploaded, builtin("pong-random")]), [agentDir, null]);
  assert.is(r.outcome.end_reason, "completed");
  assert.match(r.logs[0]!, new RegExp(`uid ${process.getuid!()}, /work visible: True`), "unsandboxed: it runs as the platform's own user and sees its files");
});

test("with bwrap the same agent runs as uid 65534 and cannot see /work", async () => {
  const s = await initSandbox("auto", quietLog);
  assert.is(s.mode, "bwrap");
  const r = await play({ dataDir, log: quietLog }, spec([uploaded, builtin("pong-random")]), [agentDir, null]);
  assert.is(r.outcome.end_reason, "completed");
  assert.match(r.logs[0]!, /uid 65534, \/work visible: False/);
});

test.run();
