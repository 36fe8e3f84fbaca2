/**
 * The Kubernetes executor wired into the real workers: startWorkers with EXECUTOR=kubernetes,
 * real PostgreSQL, real pg-boss, and a KUBECONFIG that points at the fake API server
 * (tests/helpers/k8s_fake_api.ts). NO LIVE CLUSTER WAS USED: the fake plays the kubelet's part
 * with real processes, using the commands of the Jobs the worker created:
 * - a Kaniko Job: the real fetch-context entry downloads the build context from the worker's
 *   one-time server (its hash checked), the context is unpacked as the "image", and the fake
 *   reports `sha256:<hash of the context>` as the pushed digest (Kaniko itself never runs);
 * - a match Job: the pod's FIFOs, each agent sidecar's shell wrapper with the container's argv
 *   (image paths mapped to the unpacked context, /app to this checkout), and the real referee
 *   entry (tests/helpers/k8s_pod.ts); its termination message and log become the pod status.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { loadReplay } from "rl-arena-env";
import type { V1Job } from "@kubernetes/client-node";
import { extract } from "tar";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { engineEvents } from "../src/executor/engine_events.ts";
import { createKubernetesExecutor, KubernetesConfigError } from "../src/executor/kubernetes/executor.ts";
import { PlatformError, type MatchSpec } from "../src/executor/types.ts";
import { QUEUES } from "../src/jobs/queues.ts";
import { startWorkers } from "../src/jobs/workers.ts";
import { matchSettingsFor } from "../src/jobs/match_settings.ts";
import { PROJECT_ROOT } from "../src/paths.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { finishedPod, startFakeApi, type FakeApi, type WatchStep } from "./helpers/k8s_fake_api.ts";
import { createLocalPod } from "./helpers/k8s_pod.ts";
import { freePort } from "./helpers/ports.ts";
import { jsAgentZip, makeAgent, pyAgentTarGz, quietLog, startTestBoss, stopEngine, submissionStatus, testDataDir, upload, waitFor } from "./fixtures/engine.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

const run = promisify(execFile);
const PLATFORM_IMAGE = "registry.test/rl-arena:1";
const REGISTRY = "registry.test/agents";
const MATCH_NS = "rl-arena-matches";
const BUILD_NS = "rl-arena-builds";

/**
 * The kubelet's part, played on this machine. Every Job the fake accepts is "run"; when it has
 * finished, its pod is reported and its status set, and every open watch ends so the executor
 * re-lists and sees it.
 */
class FakeKubelet {
  /** Unpacked build contexts by pushed image reference. */
  readonly images = new Map<string, string>();
  /** Match Jobs whose pod should fail as if the referee was OOM-killed. */
  failMatches = false;
  /** Match Jobs that never finish (the abort test). */
  holdMatches = false;
  readonly created: V1Job[] = [];
  readonly errors: Error[] = [];
  private lastFinished = 0;
  private wake: Array<() => void> = [];
  private readonly dir = mkdtempSync(join(tmpdir(), "rla-kubelet-"));

  constructor(private readonly api: FakeApi) {
    api.onCreate = (job) => {
      this.created.push(job);
      const run = job.metadata!.namespace === BUILD_NS ? this.runBuild(job) : this.runMatch(job);
      run.catch((e: Error) => this.errors.push(e));
    };
    const step = (): WatchStep | Promise<WatchStep> => {
      api.watchSteps.push(step); // an endless supply: one step per watch request
      const request = api.requests.at(-1)!;
      const since = Number(request.query.resourceVersion ?? 0);
      // As an API server does: a MODIFIED event for each Job of the watched namespace and label
      // that changed after the watch's resourceVersion, then (here) the end of the stream.
      const changed = () => ({
        events: [...api.jobs.values()]
          .filter((j) => request.path.includes(`/namespaces/${j.metadata!.namespace}/`) && Number(j.metadata!.resourceVersion) > since)
          .filter((j) => { const [k, v] = String(request.query.labelSelector ?? "").split("="); return !k || j.metadata!.labels?.[k] === v; })
          .map((j) => ({ type: "MODIFIED", object: structuredClone(j) })),
        then: "end" as const,
      });
      if (this.lastFinished > since) return changed();
      return new Promise((resolve) => this.wake.push(() => resolve(changed())));
    };
    api.watchSteps = [step];
  }

  private finish(job: V1Job, status: V1Job["status"]): void {
    const updated = this.api.setStatus(job.metadata!.namespace!, job.metadata!.name!, status);
    this.lastFinished = Number(updated.metadata!.resourceVersion);
    for (const w of this.wake.splice(0)) w();
  }

  private async runBuild(job: V1Job): Promise<void> {
    const spec = job.spec!.template.spec!;
    const fetch = spec.initContainers!.find((c) => c.name === "fetch-context")!;
    const kaniko = spec.containers.find((c) => c.name === "kaniko")!;
    const env = Object.fromEntries(fetch.env!.map((e) => [e.name, e.value!]));
    const work = mkdtempSync(join(this.dir, "build-"));
    const file = join(work, "context.tar.gz");
    // The real fetch-context entry, with the Job's environment (only the file path moved).
    await run(process.execPath, ["--import", "tsx", "src/executor/kubernetes/fetch_context_main.ts"], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? "", ...env, RLA_CONTEXT_FILE: file, RLA_TERMINATION_LOG: join(work, "termination") },
    });
    const image = join(work, "image");
    mkdirSync(image);
    await extract({ file, cwd: image });
    const digest = `sha256:${env.RLA_CONTEXT_SHA256}`;
    const destination = kaniko.args!.find((a) => a.startsWith("--destination="))!.slice("--destination=".length);
    const pushed = `${destination.replace(/:[^:/]+$/, "")}@${digest}`;
    this.images.set(pushed, image);
    const pod = finishedPod(job, [{ name: "fetch-context", exitCode: 0, init: true }, { name: "kaniko", exitCode: 0, message: digest }]);
    this.api.pods.set(BUILD_NS, [...(this.api.pods.get(BUILD_NS) ?? []), pod]);
    this.api.logs.set(`${pod.metadata!.name}/kaniko`, `INFO[0001] Built the image from ${readFileSync(join(image, "Dockerfile"), "utf8").split("\n")[1]}\nINFO[0002] Pushed ${pushed}\n`);
    this.finish(job, { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] });
  }

  private async runMatch(job: V1Job): Promise<void> {
    if (this.holdMatches) return;
    if (this.failMatches) {
      const pod = finishedPod(job, [{ name: "referee", exitCode: 137 }]);
      pod.status!.containerStatuses![0]!.state!.terminated!.reason = "OOMKilled";
      this.api.pods.set(MATCH_NS, [...(this.api.pods.get(MATCH_NS) ?? []), pod]);
      this.finish(job, { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] });
      return;
    }
    const pod = createLocalPod(job);
    try {
      const sidecars = job.spec!.template.spec!.initContainers!.filter((c) => c.restartPolicy === "Always");
      for (const [seat, c] of sidecars.entries()) pod.startAgent(seat, this.localArgv(c.image!, c.args!));
      const referee = await pod.runReferee();
      const reported = finishedPod(job, [{ name: "referee", exitCode: referee.code ?? 1, message: referee.terminationMessage }]);
      this.api.pods.set(MATCH_NS, [...(this.api.pods.get(MATCH_NS) ?? []), reported]);
      this.api.logs.set(`${reported.metadata!.name}/referee`, referee.stdout + referee.stderr);
      this.finish(job, referee.code === 0 ? { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] } : { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] });
    } finally {
      pod.cleanup();
    }
  }

  /** A container's argv with the image's paths mapped to where that image's files are on this machine. */
  private localArgv(image: string, args: string[]): string[] {
    const root = image === PLATFORM_IMAGE ? PROJECT_ROOT : this.images.get(image);
    if (!root) throw new Error(`the fake registry has no image ${image}`);
    return args.map((a, i) => {
      if (i === 0 && a === "node") return process.execPath;
      if (image === PLATFORM_IMAGE) return a.startsWith("/app/") ? join(PROJECT_ROOT, a.slice(5)) : a;
      return a.replace(/^\/opt\/rl-arena\//, `${root}/rl-arena/`).replace(/^\/agent\//, `${root}/agent/`);
    });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Setup shared by the worker tests: one database, the fake API server, the workers.
const db = await createTestDatabase();
const pongLimits = await matchSettingsFor(db.sql, "pong"); // the settings' values, as a worker reads them
const { sql } = db;
await sql`select set_setting('matchmaking_interval_s', '86400')`; // the tests pair by hand
await sql`select set_setting('match_cooldown_s', '0')`;
await sql`select set_setting('placement_on_activation', '0')`; // nor does a finished build pair them (place_agent)
await sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`; // one rated match, not a seat-swapped pair (pong's default since migration 0017): this test follows that one match
const api = await startFakeApi();
const kubelet = new FakeKubelet(api);
const kubeDir = mkdtempSync(join(tmpdir(), "rla-kubeconfig-"));
writeFileSync(join(kubeDir, "config"), api.kubeConfig.exportConfig());
process.env.KUBECONFIG = join(kubeDir, "config");
const boss = await startTestBoss(db.url);
const dataDir = testDataDir("rla-k8s-exec-");
const config = {
  dataDir, MATCH_CONCURRENCY: 2, EXECUTOR: "kubernetes" as const, SANDBOX: "auto" as const,
  PLATFORM_IMAGE, AGENT_REGISTRY: REGISTRY, K8S_MATCH_NAMESPACE: MATCH_NS, K8S_BUILD_NAMESPACE: BUILD_NS,
  POD_IP: "127.0.0.1", BUILD_CONTEXT_PORT: await freePort(),
};
const workers = await startWorkers({ sql, boss, log: quietLog, config, validationSteps: 40, matchmakingCheckMs: 200, pollingIntervalSeconds: 0.5 });
const { id: owner } = await makeUser(sql, { name: "k8s_owner" });
const jsAgent = await makeAgent(sql, owner, "k8s-js");
const pyAgent = await makeAgent(sql, owner, "k8s-py");

const line = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

async function finishedMatch(id: string) {
  return waitFor(`match ${id} to end`, async () => {
    const [m] = await sql`select * from matches where id = ${id} and status in ('completed', 'failed')`;
    return m;
  }, 90_000);
}

test("a build runs the Kaniko Job on the uploaded code and a validation match Job, and the submission becomes active with its image", async () => {
  // Action
  const jsSub = await upload(sql, owner, jsAgent, jsAgentZip(), "agent.zip", "node", "main.mjs");
  const pySub = await upload(sql, owner, pyAgent, pyAgentTarGz(), "agent.tar.gz", "python", "agent.py");
  // Assertions
  for (const [id, agent] of [[jsSub, jsAgent], [pySub, pyAgent]] as const) {
    const s = await waitFor(`submission ${id} to finish building`, async () => {
      const s = await submissionStatus(sql, id);
      return s.status === "active" || s.status === "failed" ? s : null;
    }, 120_000).catch((e) => {
      console.error("kubelet errors:", kubelet.errors, "API requests:", api.requests.map(line));
      throw e;
    });
    assert.is(s.status, "active", `${s.error}\n${s.build_log}\n${kubelet.errors.join("\n")}`);
    const [{ image }] = await sql`select image from submissions where id = ${id}`;
    assert.match(image, new RegExp(`^${REGISTRY}/${agent}@sha256:[0-9a-f]{64}$`));
    assert.ok(kubelet.images.has(image), "the recorded image is the one the build pushed");
    assert.match(s.build_log!, new RegExp(`image build \\(Kaniko Job build-${id}\\): pushed ${image.replace(/[.]/g, "\\.")}`));
    assert.match(s.build_log!, /validation match \(pong, up to 40 steps against builtin:pong-tracker, in a Kubernetes Job\): passed, 40 steps/);
    // The Kaniko Job pushed to the agent's repository, tagged by submission.
    const kaniko = kubelet.created.find((j) => j.metadata!.name === `build-${id}`)!;
    assert.ok(kaniko.spec!.template.spec!.containers[0]!.args!.includes(`--destination=${REGISTRY}/${agent}:${id}`));
    // The validation match ran the new image against a built-in served from the platform image.
    const validation = kubelet.created.find((j) => j.metadata!.name === `match-validation-${id}`)!;
    const seats = validation.spec!.template.spec!.initContainers!.filter((c) => c.restartPolicy === "Always");
    assert.equal(seats.map((c) => c.image), [image, PLATFORM_IMAGE]);
    assert.equal(seats[1]!.args, ["node", "/app/env/bin/rl-arena-builtin.js", "pong-tracker"]);
    for (const name of [`build-${id}`, `match-validation-${id}`]) {
      assert.ok(api.requests.some((r) => r.method === "DELETE" && r.path.endsWith(`/jobs/${name}`)), `Job ${name} was deleted`);
    }
  }
  // The code really went into the "image": the context the build pod fetched holds the upload.
  const [{ image: jsImage }] = await sql`select image from submissions where id = ${jsSub}`;
  assert.match(readFileSync(join(kubelet.images.get(jsImage)!, "agent", "main.mjs"), "utf8"), /js agent ready/);
  assert.equal(kubelet.errors, []);
});

test("a paired match runs as one Job with both built images and lands through finish_match exactly once", async () => {
  // Setup
  const finished: string[] = [];
  const onFinished = (e: { matchId: string }) => finished.push(e.matchId);
  engineEvents.on("match.finished", onFinished);
  try {
    // Action: matchmaking pairs the two agents and enqueues the match job
    const [match] = await sql`select * from pair_agents('pong')`;
    assert.ok(match, "the two active agents were paired");
    const m = await finishedMatch(match.id);
    // Assertions
    assert.is(m.status, "completed", `${m.error}\n${kubelet.errors.join("\n")}`);
    assert.is(m.end_reason, "completed");
    assert.ok(m.total_steps > 0 && m.total_steps <= 1000, String(m.total_steps));
    const job = kubelet.created.find((j) => j.metadata!.name === `match-${match.id}`)!;
    const seats = job.spec!.template.spec!.initContainers!.filter((c) => c.restartPolicy === "Always");
    const images = await sql`select a.id, s.image from agents a join submissions s on s.id = a.active_submission_id`;
    const imageOf = (agent: string) => images.find((r) => r.id === agent)!.image;
    assert.equal(seats.map((c) => c.image), [imageOf(m.player0_agent_id), imageOf(m.player1_agent_id)]);

    const [replay] = await sql`select data from replays where match_id = ${match.id}`;
    const stored = JSON.parse(gunzipSync(replay!.data).toString("utf8"));
    assert.is(stored.schema_version, 2, "stored compact: environment, seed and actions");
    const json: any = loadReplay(stored); // the frames, rebuilt by re-simulating
    assert.is(json.steps.length, m.total_steps + 1, "frame 0 plus every step");
    assert.equal(json.players.map((p: { agent_id: string }) => p.agent_id), [m.player0_agent_id, m.player1_agent_id]);
    const logs = await sql`select agent_id, log from match_logs where match_id = ${match.id} order by seat`;
    assert.is(logs.length, 2);
    assert.match(logs.find((l) => l.agent_id === jsAgent)!.log, /js agent ready/);
    assert.match(logs.find((l) => l.agent_id === pyAgent)!.log, /python agent for player [01]/);

    // Exactly once: a repeated job for the finished match (a retry) is skipped; one Job, ratings moved once.
    await boss.send(QUEUES.runMatch, { matchId: match.id });
    await waitFor("both match jobs to be done", async () => {
      const [{ n }] = await sql`select count(*)::int as n from pgboss.job where name = ${QUEUES.runMatch} and data->>'matchId' = ${match.id} and state = 'completed'`;
      return n === 2;
    }, 30_000);
    assert.equal(finished.filter((id) => id === match.id), [match.id]);
    assert.is(api.requests.filter((r) => r.method === "POST" && (r.body as V1Job)?.metadata?.name === `match-${match.id}`).length, 1);
    assert.ok(api.requests.some((r) => line(r) === `DELETE /apis/batch/v1/namespaces/${MATCH_NS}/jobs/match-${match.id}`));
    const [{ n: history }] = await sql`select count(*)::int as n from rating_history where match_id = ${match.id}`;
    assert.is(history, 2);
    const agents = await sql`select games from agents where id in (${jsAgent}, ${pyAgent})`;
    assert.equal(agents.map((a) => a.games), [1, 1]);
  } finally {
    engineEvents.off("match.finished", onFinished);
  }
});

test("a match Job that fails is a platform failure: fail_match frees both agents and changes no rating", async () => {
  // Setup
  kubelet.failMatches = true;
  const before = await sql`select id, rating, games from agents where id in (${jsAgent}, ${pyAgent}) order by id`;
  try {
    // Action
    const [match] = await sql`select * from pair_agents('pong')`;
    assert.ok(match, "the two agents were paired again (no cooldown)");
    const m = await finishedMatch(match.id);
    // Assertions
    assert.is(m.status, "failed");
    assert.match(m.error, new RegExp(`match ${match.id} failed on Kubernetes: match Job match-${match.id} failed \\(BackoffLimitExceeded`));
    assert.match(m.error, /referee exit code 137 \(OOMKilled\)/);
    const after = await sql`select id, rating, games from agents where id in (${jsAgent}, ${pyAgent}) order by id`;
    assert.equal(after, before);
    const [{ n: busy }] = await sql`select count(*)::int as n from busy_agents where agent_id in (${jsAgent}, ${pyAgent})`;
    assert.is(busy, 0, "both agents are free for matchmaking");
    const [{ n: history }] = await sql`select count(*)::int as n from rating_history where match_id = ${match.id}`;
    assert.is(history, 0);
    assert.ok(api.requests.some((r) => line(r) === `DELETE /apis/batch/v1/namespaces/${MATCH_NS}/jobs/match-${match.id}`));
  } finally {
    kubelet.failMatches = false;
  }
});

const directSpec = (matchId: string, image: string | null, settings = pongLimits): MatchSpec => ({
  matchId,
  environment: { id: "pong", version: "1.0.0", config: { max_steps: 20 } },
  seed: 5,
  settings,
  seats: [
    { agentId: "a", name: "uploaded", submissionId: "s", version: 1, language: "node", entry: "main.mjs", image },
    { agentId: "b", name: "demo", submissionId: "t", version: 1, language: "builtin", entry: "pong-random" },
  ],
});

test("an aborted match deletes its Job and rejects with the abort; a seat without an image is refused before any Job", async () => {
  // Setup
  const executor = createKubernetesExecutor({ sql, log: quietLog, config, options: { kubeConfig: api.kubeConfig } });
  kubelet.holdMatches = true;
  const [{ image }] = await sql`select image from submissions where status = 'active' and language = 'node'`;
  try {
    // Action 1
    const controller = new AbortController();
    // The memory_mb and cpus settings (here an environment's 300 MB and 2 CPUs) size the agent containers.
    const running = executor.runMatch(directSpec("abort-1", image, { ...pongLimits, memoryMb: 300, cpus: 2 }), { signal: controller.signal });
    await waitFor("the Job to be created", async () => kubelet.created.some((j) => j.metadata!.name === "match-abort-1"), 10_000, 50);
    const pod = kubelet.created.find((j) => j.metadata!.name === "match-abort-1")!.spec!.template.spec!;
    const seat = [...(pod.initContainers ?? []), ...pod.containers].find((c) => c.name === "agent-0")!;
    assert.equal([seat.resources!.limits!.memory, seat.resources!.limits!.cpu], ["300Mi", "2"]);
    controller.abort(new Error("job lost"));
    const error = await running.then(() => null, (e: Error) => e);
    // Assertions 1
    assert.is(error?.message, "job lost");
    await waitFor("the Job's deletion", async () => !api.jobs.has(`${MATCH_NS}/match-abort-1`), 10_000, 50);
    assert.ok(api.requests.some((r) => line(r) === `DELETE /apis/batch/v1/namespaces/${MATCH_NS}/jobs/match-abort-1` && r.query.propagationPolicy === "Background"));

    // Action 2
    const refused = await executor.runMatch(directSpec("no-image", null)).then(() => null, (e: Error) => e);
    // Assertions 2
    assert.instance(refused, PlatformError);
    assert.match(refused!.message, /seat 0 \(uploaded, submission s\) has no agent image: it was built without EXECUTOR=kubernetes; rebuild it/);
    assert.not.ok(kubelet.created.some((j) => j.metadata!.name === "match-no-image"));
  } finally {
    kubelet.holdMatches = false;
    await executor.close();
  }
});

test("the Kubernetes executor refuses to start without AGENT_REGISTRY or POD_IP, naming the variable", () => {
  // Action / Assertions
  assert.throws(() => createKubernetesExecutor({ sql, log: quietLog, config: { ...config, AGENT_REGISTRY: undefined } }), (e: Error) => e instanceof KubernetesConfigError && /^AGENT_REGISTRY: required when EXECUTOR=kubernetes/.test(e.message));
  assert.throws(() => createKubernetesExecutor({ sql, log: quietLog, config: { ...config, POD_IP: undefined } }), (e: Error) => e instanceof KubernetesConfigError && /^POD_IP: required when EXECUTOR=kubernetes/.test(e.message));
});

test.after(async () => {
  await stopEngine(workers, boss);
  await api.close();
  kubelet.cleanup();
  rmSync(kubeDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  await db.drop();
});

test.run();
