/**
 * The referee's cost per step against a bare stdin/stdout JSON echo between processes, in the
 * same run (issue 3: the referee should be within 1.5× of the echo).
 *
 * echo:    this process spawns two copies of referee_echo_agent.mjs and, per step, writes a
 *          pong-sized step message (8 floats + info) to both, reads one line from each and
 *          JSON-parses it. That is the floor for any referee over pipes. Measured twice: with a
 *          plain spawn, and spawned like the referee spawns agents (detached = own session and
 *          process group, which the kill-the-group rule needs, and stderr piped for the log).
 * referee: runMatch on pong with the same two agents: the same round trips plus timers and the
 *          time bank, action checks, env.step and the replay recording.
 * Rounds alternate echo/referee (the machine is shared, so many short interleaved rounds and
 * their medians); reported: wall time per step and this process's CPU time per step.
 *
 *   node --import tsx bench/referee_overhead.ts [steps=2000] [rounds=11]
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runMatch } from "../env/src/referee.ts";

const AGENT = fileURLToPath(new URL("./referee_echo_agent.mjs", import.meta.url));
const steps = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 11);

interface PerStep {
  wallUs: number;
  cpuUs: number;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** `likeReferee`: spawn the echo agents as the referee does (own process group/session, stderr piped). */
async function echo(n: number, likeReferee: boolean): Promise<PerStep> {
  const kids = [0, 1].map(() => spawn(process.execPath, [AGENT], { stdio: ["pipe", "pipe", likeReferee ? "pipe" : "inherit"], detached: likeReferee }));
  if (likeReferee) kids.forEach((kid) => kid.stderr!.resume());
  const waiters: Array<((line: string) => void) | null> = [null, null];
  kids.forEach((kid, i) => {
    let buf = "";
    kid.stdout!.setEncoding("utf8");
    kid.stdout!.on("data", (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const w = waiters[i]!;
        waiters[i] = null;
        w(line);
      }
    });
  });
  const ask = (i: number, line: string) => new Promise<string>((resolve) => {
    waiters[i] = resolve;
    kids[i]!.stdin!.write(line);
  });
  await Promise.all([0, 1].map((i) => ask(i, '{"type":"init"}\n')));
  const obs = [0.5123, 0.4871, 0.0193, -0.0047, 0.55, 0.45, 0, 0].map(Math.fround);
  const started = performance.now();
  const cpu = cpuNow();
  for (let s = 0; s < n; s++) {
    const msg = JSON.stringify({ type: "step", step: s, observation: obs, info: { scores: [0, 0], ball_pos: [obs[0], obs[1]], paddle_positions: [obs[4], obs[5]] }, remaining_overage_s: 60 }) + "\n";
    const answers = await Promise.all([0, 1].map((i) => ask(i, msg)));
    for (const a of answers) JSON.parse(a);
  }
  const result = { wallUs: ((performance.now() - started) * 1000) / n, cpuUs: (cpuNow() - cpu) / n };
  for (const kid of kids) kid.stdin!.end('{"type":"end"}\n');
  return result;
}

async function referee(n: number): Promise<PerStep> {
  const agent = { name: "echo", command: process.execPath, args: [AGENT] };
  let t0 = 0;
  let c0 = 0;
  let t1 = 0;
  let c1 = 0;
  // From the end of step 1 to the end of step n: n − 1 steps of the loop only.
  const onStep = ({ step }: { step: number }) => {
    if (step === 1) [t0, c0] = [performance.now(), cpuNow()];
    if (step === n) [t1, c1] = [performance.now(), cpuNow()];
  };
  const r = await runMatch({ env: { id: "pong", config: { max_steps: n, winning_score: 100 } }, seed: 1, agents: [agent, { ...agent }], onStep });
  if (r.outcome.end_reason !== "completed" || r.outcome.total_steps !== n) throw new Error(`unexpected outcome ${JSON.stringify(r.outcome)}`);
  return { wallUs: ((t1 - t0) * 1000) / (n - 1), cpuUs: (c1 - c0) / (n - 1) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const plain: PerStep[] = [];
const like: PerStep[] = [];
const r: PerStep[] = [];
console.log(`load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")} on ${(await import("node:os")).cpus().length} CPUs`);
await echo(300, false); // warm-up
await echo(300, true);
await referee(300);
for (let i = 0; i < rounds; i++) {
  plain.push(await echo(steps, false));
  like.push(await echo(steps, true));
  r.push(await referee(steps));
}
const show = (xs: PerStep[], k: keyof PerStep) => median(xs.map((x) => x[k])).toFixed(1);
const ratio = (base: PerStep[], k: keyof PerStep) => (median(r.map((x) => x[k])) / median(base.map((x) => x[k]))).toFixed(2);
console.log(`${rounds} interleaved rounds of ${steps} steps; medians (µs per step; CPU = the driving process only)`);
console.log(`bare echo, plain spawn         : ${show(plain, "wallUs")} wall, ${show(plain, "cpuUs")} CPU`);
console.log(`bare echo, spawned like agents : ${show(like, "wallUs")} wall, ${show(like, "cpuUs")} CPU`);
console.log(`referee (runMatch on pong)     : ${show(r, "wallUs")} wall, ${show(r, "cpuUs")} CPU`);
console.log(`ratio referee / plain echo     : wall ${ratio(plain, "wallUs")}, CPU ${ratio(plain, "cpuUs")}`);
console.log(`ratio referee / echo like it   : wall ${ratio(like, "wallUs")}, CPU ${ratio(like, "cpuUs")} (target ≤ 1.5)`);
