/**
 * The executor's conversation with the API server, against a fake server that speaks the real
 * endpoints (tests/helpers/k8s_fake_api.ts). Each test asserts the exact requests made.
 */
import type { V1Job } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ENV_NONCE } from "../src/executor/kubernetes/match_job.ts";
import { frameFailure, frameResult } from "../src/executor/kubernetes/result.ts";
import { buildOnKubernetes, runMatchOnKubernetes } from "../src/executor/kubernetes/jobs.ts";
import { KubernetesPlatformError, type KubernetesMatchSpec } from "../src/executor/kubernetes/types.ts";
import { finishedPod, startFakeApi, type FakeApi, type RecordedRequest } from "./helpers/k8s_fake_api.ts";

const NS = "rl-arena-matches";
const SELECTOR = "rl-arena%2Fmatch-id%3Dm42";
const JOBS = `/apis/batch/v1/namespaces/${NS}/jobs`;

const spec: KubernetesMatchSpec = {
  matchId: "m42",
  environment: { id: "pong", config: { max_steps: 100 } },
  seed: 1234,
  limits: { initTimeoutS: 10, stepTimeoutS: 1, timeBankS: 60, stderrCapBytes: 1 << 20 }, // test values (the platform passes the settings' match_limits)
  agents: [0, 1].map((i) => ({ image: `registry.test/agents/a${i}@sha256:${String(i).repeat(64)}`, language: "python" as const, entry: "main.py", agentId: `a${i}`, name: `bot ${i}`, submissionId: `s${i}`, version: 3 })),
};
const OUTCOME = { winner: 1, scores: [-2, 2], end_reason: "completed", total_steps: 100 };
const REPLAY = { schema_version: 1, environment: { id: "pong" }, steps: [{ step: 0 }, { step: 1 }] };

const nonceOf = (job: V1Job) => job.spec!.template.spec!.containers.find((c) => c.name === "referee")!.env!.find((e) => e.name === ENV_NONCE)!.value!;

/** Makes the fake report the Job's pod as finished, with the referee's real framing. */
function refereeFinished(api: FakeApi, job: V1Job, options: { forgeNonce?: string; exitCode?: number; message?: string } = {}) {
  const { lines, terminationMessage } = frameResult({ outcome: OUTCOME, replay: REPLAY, logs: ["left stderr\n", "right stderr\n"] }, options.forgeNonce ?? nonceOf(job));
  const pod = finishedPod(job, [{ name: "referee", exitCode: options.exitCode ?? 0, message: options.message ?? terminationMessage }]);
  api.pods.set(NS, [pod]);
  api.logs.set(`${pod.metadata!.name}/referee`, `rl-arena referee: starting\n${lines.join("\n")}\nrl-arena referee: done\n`);
}

const event = (type: string, object: unknown) => ({ type, object });
const gone = { type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "too old resource version: 100 (150)", reason: "Expired", code: 410 } };

function line(r: RecordedRequest) {
  return `${r.method} ${r.path}${r.search}`;
}

test("a match: create (Strict), watch, 410 Gone re-list, stream end re-watch from the last version, pods, referee log, result, delete in the background", async () => {
  // Setup
  const api = await startFakeApi();
  try {
    api.onCreate = (job) => refereeFinished(api, job);
    api.watchSteps = [
      { events: [gone], then: "end" }, // an API server closes the watch after the 410 Status
      () => ({ events: [event("MODIFIED", api.setStatus(NS, "match-m42", { active: 1 }))], then: "end" }),
      () => ({ events: [event("MODIFIED", api.setStatus(NS, "match-m42", { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] }))], then: "hold" }),
    ];
    // Action
    const result = await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1" });
    // Assertions
    assert.equal(result.outcome, OUTCOME);
    assert.equal(result.replay, REPLAY);
    assert.equal(result.logs, ["left stderr\n", "right stderr\n"]);
    assert.is(result.jobName, "match-m42");
    const watch = (rv: number) => `GET ${JOBS}?watch=true&resourceVersion=${rv}&labelSelector=${SELECTOR}`;
    assert.equal(api.requests.map(line), [
      `POST ${JOBS}?fieldValidation=Strict`,
      `GET ${JOBS}?labelSelector=${SELECTOR}`,
      watch(101),
      `GET ${JOBS}?labelSelector=${SELECTOR}`, // after 410 Gone: list again
      watch(101),
      watch(102), // after the stream ended: watch from the last version seen, no list
      `GET /api/v1/namespaces/${NS}/pods?labelSelector=${SELECTOR}`,
      `GET /api/v1/namespaces/${NS}/pods/match-m42-x7k2p/log?container=referee`,
      `DELETE ${JOBS}/match-m42?propagationPolicy=Background`,
    ]);
    const created = api.requests[0].body as V1Job;
    assert.is(created.metadata!.name, "match-m42");
    assert.is(created.spec!.template.spec!.automountServiceAccountToken, false);
    assert.is(api.jobs.size, 0, "the Job is deleted");
  } finally {
    await api.close();
  }
});

test("a watch refused with HTTP 410 is answered by a re-list, which finds the finished Job", async () => {
  // Setup
  const api = await startFakeApi();
  try {
    api.onCreate = (job) => refereeFinished(api, job);
    api.watchSteps = [
      () => {
        api.setStatus(NS, "match-m42", { succeeded: 1 });
        return { httpStatus: 410 };
      },
    ];
    // Action
    const result = await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1" });
    // Assertions
    assert.is(result.outcome.winner, 1);
    const lists = api.requests.filter((r) => r.method === "GET" && r.path === JOBS && r.query.watch === undefined);
    assert.is(lists.length, 2, "listed before the watch and again after the 410");
    assert.is(api.requests.filter((r) => r.query.watch === "true").length, 1);
  } finally {
    await api.close();
  }
});

test("a failed Job is a platform failure that carries the referee's message, and the Job is still deleted", async () => {
  // Setup
  const api = await startFakeApi();
  try {
    api.onCreate = (job) => refereeFinished(api, job, { exitCode: 1, message: frameFailure("unknown environment pong2") });
    api.watchSteps = [() => ({ events: [event("MODIFIED", api.setStatus(NS, "match-m42", { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] }))], then: "hold" })];
    // Action
    const error = await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1" }).then(() => null, (e: unknown) => e);
    // Assertions
    assert.instance(error, KubernetesPlatformError);
    assert.match((error as Error).message, /match-m42 failed \(BackoffLimitExceeded: Job has reached the specified backoff limit\); referee said: .*unknown environment pong2/);
    assert.is(line(api.requests.at(-1)!), `DELETE ${JOBS}/match-m42?propagationPolicy=Background`);
    assert.is(api.requests.filter((r) => r.path.endsWith("/log")).length, 0, "no log is parsed for a failed Job");
  } finally {
    await api.close();
  }
});

test("a Job that never finishes times out as a platform failure and is deleted", async () => {
  // Setup: the watch stays open with nothing to say
  const api = await startFakeApi();
  try {
    // Action
    const started = Date.now();
    const error = await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1", waitDeadlineMs: 600 }).then(() => null, (e: unknown) => e);
    // Assertions
    assert.instance(error, KubernetesPlatformError);
    assert.match((error as Error).message, /match m42 timed out: Job match-m42 did not finish within 1 s/);
    assert.ok(Date.now() - started < 5000);
    assert.is(line(api.requests.at(-1)!), `DELETE ${JOBS}/match-m42?propagationPolicy=Background`);
    assert.is(api.jobs.size, 0);
  } finally {
    await api.close();
  }
});

test("result lines framed with another nonce (a forgery) are ignored, so the match fails instead of taking them", async () => {
  // Setup
  const api = await startFakeApi();
  try {
    api.onCreate = (job) => {
      refereeFinished(api, job);
      const honest = api.logs.get("match-m42-x7k2p/referee")!;
      // Keep the honest termination message but replace the log with frames under a guessed nonce.
      const forged = honest.replaceAll(`RLA-RESULT:${nonceOf(job)}:`, "RLA-RESULT:guessed-nonce-000000:");
      api.logs.set("match-m42-x7k2p/referee", forged);
    };
    api.watchSteps = [() => ({ events: [event("MODIFIED", api.setStatus(NS, "match-m42", { succeeded: 1 }))], then: "hold" })];
    // Action
    const error = await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1" }).then(() => null, (e: unknown) => e);
    // Assertions
    assert.instance(error, KubernetesPlatformError);
    assert.match((error as Error).message, /result chunk 1 of 1 is missing/);
    assert.is(api.jobs.size, 0);
  } finally {
    await api.close();
  }
});

test("a retried match adopts the Job an earlier worker created and reads that Job's nonce", async () => {
  // Setup: a first attempt created the Job, then its worker died
  const api = await startFakeApi();
  try {
    let first: V1Job | undefined;
    api.onCreate = (job) => (first = job);
    await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1", waitDeadlineMs: 200 }).catch(() => {});
    api.jobs.set(`${NS}/match-m42`, { ...first!, metadata: { ...first!.metadata!, resourceVersion: "300" } }); // still running in the cluster
    api.requests.length = 0;
    api.onCreate = undefined;
    refereeFinished(api, first!);
    api.watchSteps = [() => ({ events: [event("MODIFIED", api.setStatus(NS, "match-m42", { succeeded: 1 }))], then: "hold" })];
    // Action
    const result = await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1" });
    // Assertions
    assert.equal(result.outcome, OUTCOME);
    assert.equal(api.requests.slice(0, 2).map(line), [`POST ${JOBS}?fieldValidation=Strict`, `GET ${JOBS}/match-m42`]);
    assert.is(api.requests.filter((r) => r.method === "POST").length, 1);
  } finally {
    await api.close();
  }
});

test("a Job the API server rejects (strict field validation) is a platform failure naming the server's message", async () => {
  // Setup
  const api = await startFakeApi();
  try {
    api.onCreateStatus = { code: 422, reason: "Invalid", message: 'Job.batch "match-m42" is invalid: spec.template.spec.bogus: unknown field' };
    // Action
    const error = await runMatchOnKubernetes(spec, { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1" }).then(() => null, (e: unknown) => e);
    // Assertions
    assert.instance(error, KubernetesPlatformError);
    assert.match((error as Error).message, /HTTP 422: Job.batch "match-m42" is invalid: spec.template.spec.bogus: unknown field/);
    assert.equal(api.requests.map(line), [`POST ${JOBS}?fieldValidation=Strict`, `DELETE ${JOBS}/match-m42?propagationPolicy=Background`]);
  } finally {
    await api.close();
  }
});

test("a build creates the Kaniko Job, returns the image pinned by the digest Kaniko reported, and Kaniko's log", async () => {
  // Setup
  const api = await startFakeApi();
  const BNS = "rl-arena-builds";
  const digest = `sha256:${"ab".repeat(32)}`;
  try {
    api.onCreate = (job) => {
      const pod = finishedPod(job, [{ name: "fetch-context", exitCode: 0, init: true }, { name: "kaniko", exitCode: 0, message: digest }]);
      api.pods.set(BNS, [pod]);
      api.logs.set(`${pod.metadata!.name}/kaniko`, "INFO Pushed registry.test/agents/a7@" + digest + "\n");
    };
    api.watchSteps = [() => ({ events: [event("MODIFIED", api.setStatus(BNS, "build-s9", { succeeded: 1 }))], then: "hold" })];
    // Action
    const result = await buildOnKubernetes(
      { submissionId: "s9", agentId: "a7", language: "python", entry: "main.py", context: { url: "http://10.0.0.5:8081/build-context/x", token: "t".repeat(32), sha256: "c".repeat(64) } },
      { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1", registry: "registry.test/agents" },
    );
    // Assertions
    assert.equal(result, { ok: true, image: `registry.test/agents/a7@${digest}`, log: `INFO Pushed registry.test/agents/a7@${digest}\n`, jobName: "build-s9" });
    const sel = "rl-arena%2Fsubmission-id%3Ds9";
    assert.equal(api.requests.map(line), [
      `POST /apis/batch/v1/namespaces/${BNS}/jobs?fieldValidation=Strict`,
      `GET /apis/batch/v1/namespaces/${BNS}/jobs?labelSelector=${sel}`,
      `GET /apis/batch/v1/namespaces/${BNS}/jobs?watch=true&resourceVersion=101&labelSelector=${sel}`,
      `GET /api/v1/namespaces/${BNS}/pods?labelSelector=${sel}`,
      `GET /api/v1/namespaces/${BNS}/pods/build-s9-x7k2p/log?container=kaniko&limitBytes=262144`,
      `DELETE /apis/batch/v1/namespaces/${BNS}/jobs/build-s9?propagationPolicy=Background`,
    ]);
    const kaniko = (api.requests[0].body as V1Job).spec!.template.spec!.containers[0];
    assert.ok(kaniko.args!.includes("--destination=registry.test/agents/a7:s9"));
  } finally {
    await api.close();
  }
});

test.run();
