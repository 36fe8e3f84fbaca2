/**
 * Hostile agents against the local executor: each plays a real sandboxed match against the
 * built-in pong tracker and must lose with the right end_reason, leaving no process behind
 * and the platform able to play the next match.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { play } from "../src/executor/local/executor.ts";
import { CGROUP_JOIN_FAILED, initSandbox, sandboxLaunch, sandboxStatus } from "../src/executor/local/sandbox.ts";
import { uidRange } from "../src/executor/local/sandbox_uids.ts";
import { PlatformError, type MatchRunResult, type MatchSettings, type SeatSpec } from "../src/executor/types.ts";
import { quietLog, testDataDir } from "./fixtures/engine.ts";

// A uid range of this test process's own, so other tests' agents running meanwhile are not "ours".
process.env.RLA_SANDBOX_UID_BASE = String(200_000 + (process.pid % 1000) * 600);
const { base: UID_BASE, count: UID_COUNT } = uidRange();
await initSandbox("bwrap");
const dataDir = testDataDir("rla-hostile-");
const settings: MatchSettings = { initTimeoutS: 5, stepTimeoutS: 0.5, timeBankS: 1, memoryMb: 256, cpus: 1, maxProcesses: 32, logCapBytes: 64 * 1024, matchDeadlineS: 600 };
let n = 0;

/** Writes `source` as the agent's entry in a folder of its own and plays it (seat 0) against builtin:pong-tracker (seat 1). */
async function playAgainstTracker(file: "main.py" | "main.mjs", source: string, extra: Partial<MatchSettings> = {}, launcher?: typeof sandboxLaunch): Promise<MatchRunResult> {
  const dir = join(dataDir, `agent-${++n}`);
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, file), source, { mode: 0o644 });
  const seats: SeatSpec[] = [
    { agentId: "hostile", name: "hostile", submissionId: "", version: 1, language: file.endsWith(".py") ? "python" : "node", entry: file },
    { agentId: "tracker", name: "tracker", submissionId: "", version: 1, language: "builtin", entry: "pong-tracker" },
  ];
  const result = await play({ dataDir, log: quietLog, launcher }, { matchId: `hostile-${n}`, environment: { id: "pong", version: "1.0.0", config: {} }, seed: n, settings: { ...settings, ...extra }, seats }, [dir, null]);
  assertNothingLeft();
  return result;
}

/** No process of any sandbox uid and no child of this test process is alive. */
function assertNothingLeft(): void {
  const leftovers: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try { status = readFileSync(`/proc/${name}/status`, "utf8"); } catch { continue; }
    if (/^State:\s+Z/m.test(status)) continue;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)![1]);
    const cmd = /^Name:\s+(.*)$/m.exec(status)![1];
    const ours = ppid === process.pid && cmd !== "esbuild"; // esbuild: tsx's and the runtime bundler's long-lived service
    if ((uid >= UID_BASE && uid < UID_BASE + UID_COUNT) || ours) leftovers.push(`${name} (uid ${uid}, ppid ${ppid}): ${/^Name:\s+(.*)$/m.exec(status)![1]}`);
  }
  assert.equal(leftovers, [], "processes left behind");
}

function assertOpponentWon(r: MatchRunResult, reason: string): void {
  assert.is(r.outcome.end_reason, reason, JSON.stringify(r.outcome));
  assert.is(r.outcome.winner, 1, "the built-in opponent wins");
  assert.equal(r.outcome.faulted_players, [0]);
  assert.is(r.leftoverProcesses, 0, "the referee's kill reached every process");
}

test("an infinite loop in act loses by timeout", async () => {
  const r = await playAgainstTracker("main.mjs", `export default function act() { for (;;) {} }`);
  assertOpponentWon(r, "timeout");
  assert.match(r.logs[0]!, /timeout: step 0: no answer within/);
});

test("an infinite loop before the first answer (at import) loses by timeout at init", async () => {
  const r = await playAgainstTracker("main.py", `while True:\n    pass\n`);
  assertOpponentWon(r, "timeout");
  assert.match(r.logs[0]!, /init/);
});

test("a memory bomb (node) crashes at the memory limit and loses", async () => {
  const r = await playAgainstTracker("main.mjs", `const hoard = [];\nexport default function act() { for (;;) hoard.push(Buffer.alloc(8 << 20, 1)); }`);
  assertOpponentWon(r, "crash");
});

test("a memory bomb (python) crashes with MemoryError and loses", async () => {
  const r = await playAgainstTracker("main.py", `hoard = []\ndef act(observation):\n    while True:\n        hoard.append(bytearray(8 << 20))\n`);
  assertOpponentWon(r, "crash");
  assert.match(r.logs[0]!, /MemoryError/);
});

test("an agent whose processes together pass the memory limit loses, and its log says the memory limit was reached", async () => {
  // 200 MB in the agent and in each of its two children: each under the 256 MB per-process
  // limit; 600 MB together, over the agent's total (256 MB + its tmpfs + runtime slack = 400 MB).
  // (Fork first: a child inherits its parent's pages, and they would count toward its own limit.)
  const r = await playAgainstTracker("main.py", `import os, time
def act(observation):
    kids = []
    for i in range(2):
        pid = os.fork()
        if pid == 0:
            block = b"\\x02" * (200 << 20)
            time.sleep(1)
            os._exit(0)
        kids.append(pid)
    block = b"\\x01" * (200 << 20)
    statuses = [os.waitpid(pid, 0)[1] for pid in kids]
    raise SystemExit("the children ended with statuses %s" % statuses)
`, { timeBankS: 10 });
  assertOpponentWon(r, "crash");
  if (sandboxStatus().memoryCgroup === null) return; // per-process limits only on this host: nothing more to check
  assert.match(r.logs[0]!, /\[rl-arena\] the memory limit of all this agent's processes together \(400 MB\) was reached: the kernel killed [1-9]\d* of its processes/);
  assert.match(r.outcome.fault_detail ?? "", /player 0: the memory limit of all this agent's processes together \(400 MB\)/);
});

test("a fork bomb is stopped at the process limit; the agent loses and nothing of it survives", async () => {
  const r = await playAgainstTracker("main.py", `import os\ndef act(observation):\n    while True:\n        os.fork()\n`);
  // The agent's main process crashes when one of its forks fails; on a starved machine the
  // copies may keep it from getting there within the step limit + bank, and then it times out.
  assert.ok(["crash", "timeout"].includes(r.outcome.end_reason), r.outcome.end_reason);
  assert.is(r.outcome.winner, 1);
  assert.is(r.leftoverProcesses, 0);
  assert.match(r.logs[0]!, /BlockingIOError|Resource temporarily unavailable/);
});

test("gigabytes on stderr are cut at the log cap while the agent hangs in its flood (timeout)", async () => {
  const started = Date.now();
  const r = await playAgainstTracker("main.py", `import sys\nchunk = "x" * (1 << 20)\ndef act(observation):\n    while True:\n        sys.stderr.write(chunk)\n`);
  assertOpponentWon(r, "timeout");
  assert.ok(r.logs[0]!.length < settings.logCapBytes + 4096, `log of ${r.logs[0]!.length} bytes`);
  assert.match(r.logs[0]!, /stderr truncated here/);
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});

test("gigabytes on stdout are a protocol error", async () => {
  // fs.writeSync on fd 1 (process.stdout.write in a loop that never yields would only queue in
  // memory), retrying on EAGAIN because node made the pipe non-blocking.
  const r = await playAgainstTracker("main.mjs", `import { writeSync } from "node:fs";\nconst junk = "y".repeat(1 << 20);\nexport default function act() { for (;;) { try { writeSync(1, junk); } catch {} } }`);
  assertOpponentWon(r, "protocol_error");
  assert.match(r.logs[0]!, /stdout line longer than/);
});

test("a network connection fails: the agent reports it and exits; the server saw no connection", async () => {
  let accepted = 0;
  const server = createServer((s) => { accepted++; s.destroy(); });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  try {
    const r = await playAgainstTracker("main.py", `
import socket, sys
for host, port in (("127.0.0.1", ${port}), ("10.0.0.1", 80), ("example.com", 443)):
    try:
        socket.create_connection((host, port), timeout=1).close()
        print("CONNECTED to %s:%d" % (host, port), file=sys.stderr)
    except OSError as e:
        print("connect to %s:%d failed: %s" % (host, port, type(e).__name__), file=sys.stderr)
sys.exit(3)
`);
    assertOpponentWon(r, "crash");
    assert.not.match(r.logs[0]!, /CONNECTED/);
    assert.match(r.logs[0]!, /connect to 127\.0\.0\.1:\d+ failed/);
    assert.match(r.logs[0]!, /connect to 10\.0\.0\.1:80 failed/);
    assert.match(r.logs[0]!, /connect to example\.com:443 failed: gaierror/);
    assert.is(accepted, 0);
  } finally {
    server.close();
  }
});

test("the platform's environment and files are invisible to the agent", async () => {
  process.env.DATABASE_URL = "postgres://arena:hunter2@db/arena";
  process.env.JWT_SECRET = "s".repeat(40);
  const r = await playAgainstTracker("main.py", `
import os, sys
print("DATABASE_URL=%r JWT_SECRET=%r vars=%s" % (os.environ.get("DATABASE_URL"), os.environ.get("JWT_SECRET"), sorted(os.environ)), file=sys.stderr)
for path in ("/work/main/package.json", "${dataDir}", "/root", "/etc/passwd", "/proc/1/environ"):
    try:
        if os.path.isdir(path):
            print("LISTED %s: %s" % (path, os.listdir(path)), file=sys.stderr)
        else:
            with open(path, "rb") as f:
                print("READ %s: %r" % (path, f.read(200)), file=sys.stderr)
    except OSError as e:
        print("no %s: %s" % (path, type(e).__name__), file=sys.stderr)
sys.exit(4)
`);
  assertOpponentWon(r, "crash");
  const log = r.logs[0]!;
  assert.match(log, /DATABASE_URL=None JWT_SECRET=None/);
  assert.not.match(log, /hunter2/);
  assert.match(log, /no \/work\/main\/package\.json: FileNotFoundError/);
  assert.match(log, new RegExp(`no ${dataDir.replace(/[/.]/g, "\\$&")}: FileNotFoundError`));
  assert.match(log, /no \/root: FileNotFoundError/);
  assert.match(log, /no \/etc\/passwd: FileNotFoundError/);
  assert.not.match(log, /READ \/proc\/1\/environ: b'[^']*DATABASE/);
});

test("exiting at init is a crash", async () => {
  const r = await playAgainstTracker("main.py", `import sys\nprint("bye", file=sys.stderr)\nsys.exit(1)\n`);
  assertOpponentWon(r, "crash");
  assert.match(r.logs[0]!, /bye/);
  assert.match(r.logs[0]!, /crash: init/);
});

test("an agent that prints the platform's cgroup-join message is still judged on its play", async () => {
  // The message alone must not turn a lost match into a platform failure (no rating change):
  // play() trusts only the flag file the sandbox's shell leaves, which agents cannot reach.
  const r = await playAgainstTracker("main.py", `import sys\nprint(${JSON.stringify(CGROUP_JOIN_FAILED)}, file=sys.stderr, flush=True)\nwhile True: pass\n`);
  assertOpponentWon(r, "timeout");
  assert.match(r.logs[0]!, CGROUP_JOIN_FAILED);
});

test("a process that really cannot join its memory cgroup makes the match a platform error, not the agent's loss", async () => {
  if (sandboxStatus().memoryCgroup === null) return; // no memory cgroups on this host
  // The real launcher, with the agent's cgroup removed before its process starts: the join fails.
  const cgroupGone: typeof sandboxLaunch = async (cmd) => {
    const s = await sandboxLaunch(cmd);
    await s.cgroup?.remove();
    return s;
  };
  let error: unknown;
  try {
    await playAgainstTracker("main.mjs", "export default function act() { return 1; }", {}, cgroupGone);
  } catch (e) {
    error = e;
  }
  assert.instance(error, PlatformError);
  assert.match((error as Error).message, /seat 0's process could not join its memory cgroup/);
  assertNothingLeft();
});

test("after all of that the platform still plays a normal match", async () => {
  const r = await playAgainstTracker("main.mjs", `export default function act(o, i, ctx) { const me = o[4 + ctx.player]; return o[1] < me - 0.02 ? 0 : o[1] > me + 0.02 ? 2 : 1; }`, { stepTimeoutS: 1, timeBankS: 10 });
  assert.is(r.outcome.end_reason, "completed");
  assert.ok(r.outcome.total_steps > 100);
  assert.ok(process.memoryUsage().rss < 500 * 1024 * 1024, `test process RSS ${process.memoryUsage().rss}`);
});

test.run();
