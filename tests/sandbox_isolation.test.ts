/**
 * The bubblewrap sandbox on its own (no referee): what an agent process can see and do.
 * Every test runs a real process through the full chain prlimit → setpriv → bwrap.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { agentMemoryBytes, CGROUP_JOIN_FAILED, DEFAULT_SANDBOX_LIMITS, initSandbox, LAUNCH_FAILED, sandboxLaunch, sandboxStatus, type SandboxCommand, type SandboxLimits } from "../src/executor/local/sandbox.ts";
import { createAgentCgroup, detectCgroupSupport, processTag } from "../src/executor/local/sandbox_cgroup.ts";
import { processesOfUid } from "../src/executor/local/sandbox_uids.ts";

const status = await initSandbox("bwrap");
const codeDir = mkdtempSync(join(tmpdir(), "rla-sandbox-"));
chmodSync(codeDir, 0o755);

interface Run {
  code: number | null; signal: string | null; stdout: string; stderr: string; ms: number; uid: number | null; leftovers: number;
  /** The agent's memory cgroup (when the host has them): its path, peak memory and OOM kills, read before release. */
  cgroup: { path: string; limitBytes: number; peakBytes: number | null; oomKills: number | null } | null;
}

async function run(program: "node" | "python", source: string, limits: Partial<SandboxLimits> = {}, timeoutMs = 20_000): Promise<Run> {
  const file = program === "node" ? "prog.js" : "prog.py";
  writeFileSync(join(codeDir, file), source, { mode: 0o644 });
  const sandboxed = await sandboxLaunch({
    command: program === "node" ? "/usr/bin/node" : "/usr/bin/python3",
    args: [`/agent/${file}`],
    codeDir,
    limits: { ...DEFAULT_SANDBOX_LIMITS, ...limits },
  });
  const started = Date.now();
  const child = spawn(sandboxed.launch.command, sandboxed.launch.args, { env: sandboxed.launch.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => { if (stdout.length < 100_000) stdout += d; });
  child.stderr.on("data", (d) => { if (stderr.length < 100_000) stderr += d; });
  const timer = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, timeoutMs);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
  clearTimeout(timer);
  const ms = Date.now() - started;
  const uid = sandboxed.uid;
  const cg = sandboxed.cgroup;
  const cgroup = cg ? { path: cg.path, limitBytes: cg.limitBytes, peakBytes: cg.peakBytes(), oomKills: cg.oomKills() } : null;
  const leftovers = await sandboxed.release();
  return { code, signal, stdout, stderr, ms, uid, leftovers, cgroup };
}

test("bwrap works on this machine and agents get uids of their own (the platform runs as root)", () => {
  assert.is(status.mode, "bwrap");
  assert.ok(status.uploadedCodeAllowed);
  assert.is(sandboxStatus(), status);
  assert.is(status.separateUids, process.getuid!() === 0);
});

test("the agent sees uid 65534, no platform variables and none of the platform's files", async () => {
  process.env.DATABASE_URL = "postgres://secret@db/arena";
  process.env.JWT_SECRET = "x".repeat(40);
  const r = await run("node", `
    const fs = require("fs");
    const out = {
      uid: process.getuid(), env: process.env,
      root: fs.readdirSync("/").sort(),
      work: fs.existsSync("/work"), rootHome: fs.existsSync("/root"), etc: fs.existsSync("/etc/passwd"),
      agent: fs.readdirSync("/agent"), cwd: process.cwd(),
    };
    try { fs.writeFileSync("/agent/x", "y"); out.writeAgent = "ok" } catch (e) { out.writeAgent = e.code }
    try { fs.writeFileSync("/usr/x", "y"); out.writeUsr = "ok" } catch (e) { out.writeUsr = e.code }
    fs.writeFileSync("/tmp/scratch", "ok"); out.tmp = fs.readFileSync("/tmp/scratch", "utf8");
    console.log(JSON.stringify(out));
  `);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.uid, 65534);
  assert.equal(Object.keys(out.env).sort(), ["HOME", "LANG", "PATH", "PWD", "TMPDIR"]);
  assert.not.ok(JSON.stringify(out.env).includes("secret"));
  assert.is(out.work, false);
  assert.is(out.rootHome, false);
  assert.is(out.etc, false);
  assert.equal(out.root, ["agent", "bin", "dev", "lib", "lib64", "proc", "sbin", "tmp", "usr"].filter((d) => out.root.includes(d)));
  assert.ok(!out.root.includes("work") && !out.root.includes("root") && !out.root.includes("home"));
  assert.is(out.cwd, "/agent");
  assert.is(out.writeAgent, "EROFS");
  assert.is(out.writeUsr, "EROFS");
  assert.is(out.tmp, "ok");
  assert.is(r.leftovers, 0);
});

test("the network is unreachable: a TCP connection to a server listening on the host fails", async () => {
  const server = createServer((s) => { accepted++; s.end(); });
  let accepted = 0;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const r = await run("python", `
import socket
for host in ("127.0.0.1", "1.1.1.1"):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((host, ${port} if host == "127.0.0.1" else 443))
        print(host, "connected")
    except OSError as e:
        print(host, "failed", type(e).__name__)
`);
  server.close();
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /127\.0\.0\.1 failed/);
  assert.match(r.stdout, /1\.1\.1\.1 failed/);
  assert.is(accepted, 0);
});

test("a memory bomb is stopped at the memory limit (node and python)", async () => {
  const js = await run("node", `const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1));`, { memoryBytes: 256 * 1024 * 1024 });
  // abort() from pid 1 of the sandbox's pid namespace ends in SIGABRT (134) or, since pid 1
  // ignores signals it has no handler for, in the SIGSEGV glibc falls back to (139).
  assert.ok(js.code === 134 || js.code === 139, `node must die when it cannot grow its memory (RLIMIT_DATA), exit ${js.code}`);
  assert.match(js.stderr, /out of memory|Last few GCs/i);
  assert.ok(js.ms < 10_000);
  const py = await run("python", `a = []\nwhile True:\n    a.append(bytearray(16 << 20))\n`, { memoryBytes: 256 * 1024 * 1024 });
  assert.ok(py.code !== 0, "the python bomb must fail");
  assert.match(py.stderr, /MemoryError/);
  assert.is(js.leftovers + py.leftovers, 0);
});

test("where the host allows it (root, a writable memory cgroup), all of an agent's processes share one memory limit", async () => {
  // Can this process make a child of its own v1 memory cgroup (as on this project's CI machine)?
  const ownMemory = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"))?.[1];
  const probeDir = ownMemory === undefined ? null : join("/sys/fs/cgroup/memory", ownMemory, `rla-test-${process.pid}`);
  let writable = false;
  if (process.getuid!() === 0 && probeDir) {
    try {
      mkdirSync(probeDir);
      rmdirSync(probeDir);
      writable = true;
    } catch {
      // read-only or absent: per-process limits only
    }
  }
  if (!writable) {
    if (status.memoryCgroup === null) return; // no writable v1 memory cgroup here (v2 is covered only where delegated)
  } else {
    assert.ok(status.memoryCgroup, "a writable v1 memory cgroup was not detected");
  }
  assert.ok(status.memoryCgroup === "v1" || status.memoryCgroup === "v2", `memory cgroup ${status.memoryCgroup}`);
  // Four children each write 150 MB: under the per-process limit (256 MB each), 600 MB together,
  // over the agent's total of 256 MB + its tmpfs + runtime slack (400 MB, agentMemoryBytes).
  const r = await run("python", `
import os, sys, time
kids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"\x01" * (150 << 20)
        print("child", i, "holds 150 MB", flush=True)
        time.sleep(4)
        os._exit(0)
    kids.append(pid)
    time.sleep(0.3)
alive = 0
for pid in kids:
    _, st = os.waitpid(pid, 0)
    alive += os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
print("children that kept their memory:", alive, flush=True)
`, { memoryBytes: 256 * 1024 * 1024 }, 30_000);
  const kept = Number(/kept their memory: (\d+)/.exec(r.stdout)?.[1] ?? "-1");
  const total = agentMemoryBytes({ ...DEFAULT_SANDBOX_LIMITS, memoryBytes: 256 * 1024 * 1024 });
  assert.is(total, 400 * 1024 * 1024);
  assert.ok(kept >= 0 && kept <= 2, `with 400 MB for the whole agent at most two 150 MB children can live; ${kept} did (stdout: ${r.stdout} stderr: ${r.stderr.slice(0, 500)})`);
  assert.ok(r.cgroup, "the run had a cgroup");
  assert.is(r.cgroup!.limitBytes, total);
  assert.ok(r.cgroup!.oomKills !== null && r.cgroup!.oomKills >= 1, `the OOM killer acted (${r.cgroup!.oomKills})`);
  assert.ok(r.cgroup!.peakBytes === null || r.cgroup!.peakBytes <= total, `peak ${r.cgroup!.peakBytes}`);
  assert.not.ok(existsSync(r.cgroup!.path), "the agent's cgroup is removed after release");
  assert.is(r.leftovers, 0);
});

test("at boot, agent cgroups left by a killed platform process are removed; a live process's are kept", async () => {
  if (status.memoryCgroup === null) return; // no memory cgroups on this host (checked by the test above)
  const support = detectCgroupSupport()!;
  assert.ok(support.base.startsWith(join("/sys/fs/cgroup/memory", readFileSync("/proc/self/cgroup", "utf8").match(/:memory:(.*)$/m)?.[1] ?? "/")) || support.version === 2,
    `agents' cgroups live under the platform's own (${support.base})`);
  // Same pid as this process but another start time: what a dead process whose pid was reused leaves.
  const orphan = createAgentCgroup(support, 64 << 20, `agent-${process.pid}-1-orphan`);
  const mine = createAgentCgroup(support, 64 << 20, `agent-${processTag()}-fresh`);
  try {
    assert.ok(detectCgroupSupport(), "still supported");
    assert.not.ok(existsSync(orphan.path), "the dead process's cgroup is removed");
    assert.ok(existsSync(mine.path), "this live process's cgroup is kept");
  } finally {
    await orphan.remove();
    await mine.remove();
  }
});

test("a process that cannot join its memory cgroup stops before the agent starts and says why", async () => {
  if (status.memoryCgroup === null) return; // no memory cgroups on this host
  const sandboxed = await sandboxLaunch({ command: "/usr/bin/true", args: [], limits: DEFAULT_SANDBOX_LIMITS });
  await sandboxed.cgroup!.remove(); // gone before the agent's process starts: its join fails
  const r = spawnSync(sandboxed.launch.command, sandboxed.launch.args, { env: sandboxed.launch.env, encoding: "utf8" });
  const flagged = sandboxed.joinFailed();
  await sandboxed.release();
  assert.is(r.status, 125);
  assert.ok(r.stderr.includes(CGROUP_JOIN_FAILED), r.stderr);
  assert.ok(flagged, "the failure left its flag");
  assert.not.ok(sandboxed.joinFailed(), "release removes the flag");

  // A temp cleaner removed the flags' folder: the next launch makes a new private one.
  const flagFolder = dirname(sandboxed.launch.args[3]!);
  rmSync(flagFolder, { recursive: true, force: true });
  const again = await sandboxLaunch({ command: "/usr/bin/true", args: [], limits: DEFAULT_SANDBOX_LIMITS });
  await again.cgroup!.remove();
  const r2 = spawnSync(again.launch.command, again.launch.args, { env: again.launch.env, encoding: "utf8" });
  const flagged2 = again.joinFailed();
  const folder2 = lstatSync(dirname(again.launch.args[3]!));
  await again.release();
  assert.is(r2.status, 125);
  assert.ok(flagged2, "detected with the new folder too");
  assert.ok(folder2.isDirectory() && (folder2.mode & 0o077) === 0, "the new folder is private");

  const fine = await sandboxLaunch({ command: "/bin/sh", args: ["-c", `echo "${CGROUP_JOIN_FAILED}" >&2`], limits: DEFAULT_SANDBOX_LIMITS });
  const ok = spawnSync(fine.launch.command, fine.launch.args, { env: fine.launch.env, encoding: "utf8" });
  const fineFlagged = fine.joinFailed();
  await fine.release();
  assert.is(ok.status, 0);
  assert.ok(ok.stderr.includes(CGROUP_JOIN_FAILED), "the agent printed the message itself");
  assert.not.ok(fineFlagged, "a process that joined leaves no flag, whatever it prints");
});

/** Runs one command through the sandbox (stdio piped, own process group) and reads its launch flag before release. */
async function launchOnce(cmd: Omit<SandboxCommand, "limits">, killAfterMs?: number): Promise<{ status: number | null; stderr: string; launchFailed: boolean }> {
  const sandboxed = await sandboxLaunch({ ...cmd, limits: DEFAULT_SANDBOX_LIMITS });
  const child = spawn(sandboxed.launch.command, sandboxed.launch.args, { env: sandboxed.launch.env, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  if (killAfterMs !== undefined) setTimeout(() => process.kill(-child.pid!, "SIGKILL"), killAfterMs);
  const status = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  const launchFailed = sandboxed.launchFailed();
  await sandboxed.release();
  assert.not.ok(sandboxed.launchFailed(), "release removes the flag");
  return { status, stderr, launchFailed };
}

test("a sandbox that cannot start the agent (a mount source it cannot reach, a missing program) leaves the launch flag", async () => {
  const missing = await launchOnce({ command: "/usr/bin/true", args: [], binds: [{ source: join(codeDir, "no-such-folder"), target: "/opt/x" }] });
  assert.ok(missing.stderr.includes("Can't find source path"), missing.stderr);
  assert.ok(missing.stderr.includes(LAUNCH_FAILED), missing.stderr);
  assert.ok(missing.launchFailed, "a missing mount source is the platform's failure");

  // The case seen in production: a 0700 DATA_DIR (mktemp -d) above the code, which the agent's own uid cannot enter.
  if (status.separateUids) {
    const privateParent = mkdtempSync(join(tmpdir(), "rla-private-"));
    const code = join(privateParent, "code");
    mkdirSync(code, { mode: 0o755 });
    try {
      const denied = await launchOnce({ command: "/usr/bin/true", args: [], codeDir: code });
      assert.match(denied.stderr, /Can't find source path .*Permission denied/);
      assert.ok(denied.launchFailed, "an unreachable code folder is the platform's failure");
    } finally {
      rmSync(privateParent, { recursive: true, force: true });
    }
  }

  const noProgram = await launchOnce({ command: "/usr/bin/no-such-program", args: [] });
  assert.ok(noProgram.launchFailed, "a program that cannot be executed never ran agent code");
});

test("an agent that starts and then fails, is killed, or prints the launch message leaves no launch flag", async () => {
  const exits = await launchOnce({ command: "/bin/sh", args: ["-c", `echo "bwrap: Can't find source path /x: Permission denied" >&2; echo "${LAUNCH_FAILED}" >&2; exit 1`] });
  assert.is(exits.status, 1);
  assert.ok(exits.stderr.includes(LAUNCH_FAILED), "the agent printed the message itself");
  assert.not.ok(exits.launchFailed, "an agent that ran and exited with 1 is judged by the rules");

  const killed = await launchOnce({ command: "/bin/sleep", args: ["30"] }, 300);
  assert.not.ok(killed.launchFailed, "a sandbox killed by the referee is not a launch failure");

  const signalled = await launchOnce({ command: "/bin/sh", args: ["-c", "kill -9 $$"] });
  assert.not.ok(signalled.launchFailed, "an agent that dies of a signal ran");

  // bwrap closes its status fd before the agent starts, so an agent cannot touch the status bwrap reports.
  assert.match(await outputOf(["/bin/sh", "-c", "readlink /proc/$$/fd/3 || echo no-fd-3"]), /no-fd-3/);
});

/** stdout and stderr of one sandboxed command. */
async function outputOf([command, ...args]: string[]): Promise<string> {
  const sandboxed = await sandboxLaunch({ command: command!, args, limits: DEFAULT_SANDBOX_LIMITS });
  const r = spawnSync(sandboxed.launch.command, sandboxed.launch.args, { env: sandboxed.launch.env, encoding: "utf8" });
  await sandboxed.release();
  return r.stdout + r.stderr;
}

test("a fork bomb is held at the process limit, and nothing of it survives", async () => {
  const r = await run("python", `
import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print("stopped after", n, type(e).__name__)
`, { processes: 32 });
  assert.match(r.stdout, /stopped after (\d+) BlockingIOError/);
  const n = Number(/stopped after (\d+)/.exec(r.stdout)![1]);
  assert.ok(n < 32, `forked ${n}`);
  assert.is(processesOfUid(r.uid!).length, 0);
});

test("the only writable places are a sized /tmp and /dev/shm; memfd memory is bounded by open files × file size", async () => {
  const r = await run("python", `
import os
for d in ("/", "/dev", "/agent", "/usr/lib", "/dev/shm", "/tmp"):
    try:
        with open(d + "/probe", "w") as f:
            f.write("1")
        print("writable", d)
    except OSError as e:
        print("read-only", d, e.strerror)
n = 0
try:
    while True:
        fd = os.memfd_create("x")
        os.ftruncate(fd, 4 << 20)
        n += 1
except OSError as e:
    print("memfds", n, e.strerror)
`, { openFiles: 32, fileSizeBytes: 4 * 1024 * 1024 });
  assert.is(r.code, 0, r.stderr);
  for (const d of ["/", "/dev", "/agent", "/usr/lib"]) assert.match(r.stdout, new RegExp(`^read-only ${d.replace(/\//g, "\\/")} Read-only file system$`, "m"));
  assert.match(r.stdout, /^writable \/dev\/shm$/m);
  assert.match(r.stdout, /^writable \/tmp$/m);
  const memfds = Number(/memfds (\d+) Too many open files/.exec(r.stdout)?.[1]);
  assert.ok(memfds > 0 && memfds <= 32, r.stdout);
});

test("CPU time is limited: a busy loop is killed by RLIMIT_CPU", async () => {
  const r = await run("node", `for (;;) {}`, { cpuSeconds: 1 });
  assert.ok(r.code !== 0 || r.signal !== null);
  assert.ok(r.ms < 30_000, `took ${r.ms} ms`); // 1 s of CPU time; on a starved machine that is much more wall time
});

test("a big file in /tmp is cut at the file-size limit", async () => {
  const r = await run("python", `
import os
try:
    with open("/tmp/big", "wb") as f:
        for i in range(64):
            f.write(b"x" * (1 << 20))
    print("wrote all")
except OSError as e:
    print("stopped", os.path.getsize("/tmp/big"))
`, { fileSizeBytes: 4 * 1024 * 1024 });
  assert.match(r.stdout, /^stopped 4194304$/m);
  assert.not.match(r.stdout, /wrote all/);
});

test("too many open files fail at the open-files limit", async () => {
  const r = await run("python", `
n = 0
fs = []
try:
    while True:
        fs.append(open("/dev/null"))
        n += 1
except OSError as e:
    print("opened", n)
`, { openFiles: 64 });
  const n = Number(/opened (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(n > 0 && n <= 64, r.stdout + r.stderr);
});

test.run();
