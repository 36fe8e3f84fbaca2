/**
 * Plays a match pod's containers as local processes, with the commands taken from the real
 * generated Job: `prepare-io` makes the FIFOs, each agent sidecar runs its shell wrapper, the
 * referee runs kubernetes/referee_main.ts with the Job's environment. Only the paths differ: the
 * pod's /io/... folders become folders under a temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Container, V1Job } from "@kubernetes/client-node";
import { PROJECT_ROOT } from "../../src/paths.ts";

export interface LocalPod {
  dir: string;
  /** seat i's FIFO folder (the pod's /io/agent-i). */
  io: (seat: number) => string;
  startAgent(seat: number, argv: string[]): ChildProcess;
  runReferee(): Promise<{ code: number | null; stdout: string; stderr: string; terminationMessage: string }>;
  cleanup(): void;
}

export function containers(job: V1Job): { init: V1Container[]; main: V1Container[] } {
  const spec = job.spec!.template.spec!;
  return { init: spec.initContainers ?? [], main: spec.containers };
}

export function createLocalPod(job: V1Job): LocalPod {
  const dir = mkdtempSync(join(tmpdir(), "rla-pod-"));
  const remap = (s: string) => s.replaceAll("/io/", `${dir}/io/`);
  const { init, main } = containers(job);
  const prepare = init.find((c) => c.name === "prepare-io")!;
  const seats = init.filter((c) => c.restartPolicy === "Always").length;
  for (let i = 0; i < seats; i++) mkdirSync(join(dir, "io", `agent-${i}`), { recursive: true });
  const made = spawnSync(prepare.command![0], prepare.command!.slice(1).map(remap), { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`prepare-io failed: ${made.stderr}`);
  const children: ChildProcess[] = [];

  return {
    dir,
    io: (seat) => join(dir, "io", `agent-${seat}`),
    startAgent(seat, argv) {
      const c = init.find((x) => x.name === `agent-${seat}`)!;
      // The sidecar mounts its own seat's folder at /io.
      const script = c.command![2].replaceAll("/io/", `${join(dir, "io", `agent-${seat}`)}/`);
      const child = spawn(c.command![0], [c.command![1], script, c.command![3], ...argv], {
        cwd: PROJECT_ROOT,
        stdio: "ignore",
        detached: true,
      });
      children.push(child);
      return child;
    },
    async runReferee() {
      const referee = main.find((c) => c.name === "referee")!;
      const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: dir };
      for (const e of referee.env ?? []) env[e.name] = remap(e.value ?? "");
      const termination = join(dir, "termination-log");
      env.RLA_TERMINATION_LOG = termination;
      const child = spawn(process.execPath, ["--import", "tsx", "src/executor/kubernetes/referee_main.ts"], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d) => (stdout += d));
      child.stderr!.on("data", (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      let terminationMessage = "";
      try {
        terminationMessage = readFileSync(termination, "utf8");
      } catch {
        // none written
      }
      return { code, stdout, stderr, terminationMessage };
    },
    cleanup() {
      for (const c of children) {
        try {
          if (c.pid) process.kill(-c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
