/**
 * Every object the worker generates validates against the Kubernetes schemas
 * (kubernetes-models 4.5.1) in its wire form, and carries each security field explicitly.
 */
import * as k8s from "@kubernetes/client-node";
import yaml from "js-yaml";
import { Job } from "kubernetes-models/batch/v1/Job";
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { agentArgv, generateAgentDockerfile } from "../src/executor/kubernetes/agent_image.ts";
import { ManifestError } from "../src/executor/kubernetes/common.ts";
import { buildKanikoJob } from "../src/executor/kubernetes/kaniko_job.ts";
import { buildMatchJob, type MatchJobInput } from "../src/executor/kubernetes/match_job.ts";
import { buildBuildNamespaceObjects, buildMatchNamespaceObjects } from "../src/executor/kubernetes/namespace.ts";

/** The JSON the API server receives (client-node renames e.g. `_default` → `default`). */
const wire = (o: object) => yaml.load(k8s.dumpYaml(o)) as Record<string, any>;

const input: MatchJobInput = {
  matchId: "0b6f2c1e-5a4d-4c1b-9d7e-2f3a4b5c6d7e",
  namespace: "rl-arena-matches",
  environment: { id: "pong", config: { max_steps: 1000 } },
  seed: 42,
  agents: [
    { image: "registry.test/agents/a1@sha256:" + "1".repeat(64), language: "python", entry: "main.py", agentId: "a1", name: "one", submissionId: "s1", version: 1 },
    { image: "registry.test/agents/a2:s2", language: "node", entry: "src/agent.mjs", agentId: "a2", name: "two", submissionId: "s2", version: 4 },
  ],
  refereeImage: "registry.test/rl-arena:1.0.0",
  nonce: "n".repeat(32),
  limits: { initTimeoutS: 10, stepTimeoutS: 1, timeBankS: 60, stderrCapBytes: 1 << 20 }, // test values (the platform passes the settings' match_limits)
};

test("the match Job validates against the Job schema", () => {
  // Action
  const job = wire(buildMatchJob(input));
  // Assertions
  new Job(job as any).validate();
  assert.is(job.kind, "Job");
  assert.is(job.apiVersion, "batch/v1");
});

test("the match Job carries every security and lifecycle field", () => {
  // Action
  const job = buildMatchJob(input);
  const spec = job.spec!;
  const pod = spec.template.spec!;
  // Assertions: Job level
  assert.is(spec.backoffLimit, 0);
  assert.is(spec.activeDeadlineSeconds, 10 + 1000 * 1 + 2 * 60 + 120);
  assert.is(spec.ttlSecondsAfterFinished, 300);
  assert.is(job.metadata!.name, "match-0b6f2c1e-5a4d-4c1b-9d7e-2f3a4b5c6d7e");
  for (const labels of [job.metadata!.labels!, spec.template.metadata!.labels!]) {
    assert.is(labels["rl-arena/match-id"], input.matchId);
    assert.is(labels["app.kubernetes.io/name"], "rl-arena");
    assert.is(labels["app.kubernetes.io/component"], "match");
    assert.is(labels["app.kubernetes.io/part-of"], "rl-arena");
    assert.is(labels["app.kubernetes.io/managed-by"], "rl-arena-worker");
  }
  // Pod level
  assert.is(pod.restartPolicy, "Never");
  assert.is(pod.automountServiceAccountToken, false);
  assert.is(pod.enableServiceLinks, false);
  assert.is(pod.hostNetwork, false);
  assert.is(pod.hostPID, false);
  assert.is(pod.hostIPC, false);
  assert.is(pod.shareProcessNamespace, false);
  assert.is(pod.securityContext!.runAsNonRoot, true);
  assert.is(pod.securityContext!.seccompProfile!.type, "RuntimeDefault");
  // Every container, init or not
  const all = [...pod.initContainers!, ...pod.containers];
  assert.equal(all.map((c) => c.name), ["prepare-io", "agent-0", "agent-1", "referee"]);
  for (const c of all) {
    const sc = c.securityContext!;
    assert.is(sc.runAsNonRoot, true, `${c.name} runAsNonRoot`);
    assert.is(sc.readOnlyRootFilesystem, true, `${c.name} readOnlyRootFilesystem`);
    assert.is(sc.allowPrivilegeEscalation, false, `${c.name} allowPrivilegeEscalation`);
    assert.is(sc.privileged, false, `${c.name} privileged`);
    assert.equal(sc.capabilities, { drop: ["ALL"] }, `${c.name} capabilities`);
    assert.is(sc.seccompProfile!.type, "RuntimeDefault", `${c.name} seccomp`);
    for (const k of ["cpu", "memory"]) {
      assert.ok(c.resources!.requests![k], `${c.name} requests ${k}`);
      assert.is(c.resources!.limits![k], c.resources!.requests![k], `${c.name} limit ${k} equals its request`);
    }
  }
  // Agents: native sidecars with their own seat's FIFOs and /tmp only
  const agents = pod.initContainers!.filter((c) => c.name.startsWith("agent-"));
  for (const [i, a] of agents.entries()) {
    assert.is(a.restartPolicy, "Always");
    assert.is(a.image, input.agents[i].image);
    assert.equal(a.resources!.limits, { cpu: "1", memory: "512Mi", "ephemeral-storage": "64Mi" });
    assert.equal(a.volumeMounts, [{ name: `io-${i}`, mountPath: "/io" }, { name: `tmp-agent-${i}`, mountPath: "/tmp" }]);
    assert.equal(a.command, ["/bin/sh", "-c", 'exec "$@" </io/in >/io/out 2>/io/err', "agent"]);
    assert.equal(a.args, agentArgv(input.agents[i].language, input.agents[i].entry));
    assert.is(a.env!.length, 4, "agents get no platform variables");
  }
  const volumes = pod.volumes!;
  assert.equal(volumes.find((v) => v.name === "tmp-referee")!.emptyDir, { sizeLimit: "64Mi" });
  assert.ok(volumes.every((v) => v.emptyDir), "only emptyDir volumes");
  const referee = pod.containers[0];
  assert.equal(referee.volumeMounts!.map((m) => m.mountPath), ["/io/agent-0", "/io/agent-1", "/tmp"]);
  assert.is(referee.terminationMessagePath, "/dev/termination-log");
  const config = JSON.parse(referee.env!.find((e) => e.name === "RLA_MATCH")!.value!);
  assert.equal(config.io, ["/io/agent-0", "/io/agent-1"]);
  assert.equal(config.players.map((p: { agent_id: string }) => p.agent_id), ["a1", "a2"]);
});

test("the match Job builder rejects ids, images and entries that could break out of their fields", () => {
  const bad: Array<[Partial<MatchJobInput>, RegExp]> = [
    [{ matchId: "Match_1" }, /match id "Match_1" cannot name a Kubernetes object/],
    [{ matchId: "x".repeat(51) }, /cannot name a Kubernetes object/],
    [{ namespace: "Bad Namespace" }, /namespace "Bad Namespace" is not a valid DNS label/],
    [{ refereeImage: "img; rm -rf /" }, /referee image .* is not a valid image reference/],
    [{ agents: [{ ...input.agents[0], entry: "../etc/passwd.py" }, input.agents[1]] }, /entry "..\/etc\/passwd.py" must be a relative path/],
    [{ agents: [{ ...input.agents[0], entry: "main.js" }, input.agents[1]] }, /does not fit language python/],
    [{ agents: [{ ...input.agents[0], image: "a b" }, input.agents[1]] }, /agent 0 image "a b"/],
    [{ nonce: "short" }, /nonce must be 16-128 characters/],
    [{ agents: [] }, /a match needs 1 to 8 agents, got 0/],
    [{ agentResources: { cpu: "lots", memory: "1Gi" } }, /cpu "lots" is not a Kubernetes quantity/],
  ];
  for (const [change, message] of bad) {
    assert.throws(() => buildMatchJob({ ...input, ...change }), (e: unknown) => e instanceof ManifestError && message.test((e as Error).message), String(message));
  }
});

const kaniko = {
  submissionId: "s9",
  namespace: "rl-arena-builds",
  destination: "registry.test/agents/a7:s9",
  context: { url: "http://10.1.2.3:8081/build-context/abc", token: "T".repeat(43), sha256: "f".repeat(64) },
  platformImage: "registry.test/rl-arena:1.0.0",
};

test("the Kaniko Job validates and builds from the fetched context tarball without a service-account token", () => {
  // Action
  const job = buildKanikoJob(kaniko);
  new Job(wire(job) as any).validate();
  const pod = job.spec!.template.spec!;
  const [fetch] = pod.initContainers!;
  const [builder] = pod.containers;
  // Assertions
  assert.is(job.spec!.backoffLimit, 0);
  assert.is(job.spec!.activeDeadlineSeconds, 900);
  assert.is(job.spec!.ttlSecondsAfterFinished, 600);
  assert.is(pod.restartPolicy, "Never");
  assert.is(pod.automountServiceAccountToken, false);
  // The build pod is hardened like the match pod (both are runOnceJob): none of the host's namespaces.
  assert.equal([pod.enableServiceLinks, pod.hostNetwork, pod.hostPID, pod.hostIPC, pod.shareProcessNamespace], [false, false, false, false, false]);
  assert.is(pod.securityContext!.seccompProfile!.type, "RuntimeDefault");
  assert.is(fetch.securityContext!.runAsNonRoot, true);
  assert.is(fetch.securityContext!.readOnlyRootFilesystem, true);
  assert.is(fetch.securityContext!.allowPrivilegeEscalation, false);
  assert.equal(fetch.securityContext!.capabilities, { drop: ["ALL"] });
  assert.equal(fetch.env!.find((e) => e.name === "RLA_CONTEXT_SHA256")!.value, "f".repeat(64));
  assert.equal(builder.args!.slice(0, 4), ["--context=tar:///workspace/context.tar.gz", "--dockerfile=Dockerfile", "--destination=registry.test/agents/a7:s9", "--digest-file=/dev/termination-log"]);
  assert.is(builder.securityContext!.privileged, false);
  assert.is(builder.securityContext!.allowPrivilegeEscalation, false);
  assert.equal(builder.securityContext!.capabilities, { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] });
  assert.ok(builder.resources!.limits!.cpu && builder.resources!.limits!.memory);
  assert.equal(builder.volumeMounts!.find((m) => m.name === "workspace"), { name: "workspace", mountPath: "/workspace", readOnly: true });
  assert.throws(() => buildKanikoJob({ ...kaniko, context: { ...kaniko.context, url: "file:///etc/passwd" } }), /context url must be http\(s\), got file:/);
  assert.throws(() => buildKanikoJob({ ...kaniko, extraArgs: ["--insecure", "; sh"] }), /kaniko flag "; sh"/);
});

test("the namespace objects validate and fence the match namespace: restricted, no traffic, quotas", () => {
  // Action
  const objects = buildMatchNamespaceObjects().map(wire);
  const kinds = { Namespace, NetworkPolicy, ResourceQuota, LimitRange } as Record<string, new (o: any) => { validate(): void }>;
  for (const o of [...objects, ...buildBuildNamespaceObjects().map(wire)]) new kinds[o.kind](o).validate();
  const [ns, np, quota, limits] = objects;
  // Assertions
  assert.is(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
  assert.equal(np.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  assert.is(np.spec.egress, undefined, "no egress rule means no egress at all");
  assert.is(quota.spec.hard.pods, "20");
  assert.equal(limits.spec.limits[0].default, { cpu: "500m", memory: "256Mi", "ephemeral-storage": "64Mi" });
  const [bns] = buildBuildNamespaceObjects().map(wire);
  assert.is(bns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
});

test("the generated Dockerfiles copy the upload and our runtime, run nothing, and start the agent as non-root", () => {
  // Action
  const py = generateAgentDockerfile("python", "bots/main.py");
  const js = generateAgentDockerfile("node", "main.mjs");
  // Assertions
  assert.is(
    py,
    [
      "# Generated by RL-Arena for one submission; do not edit.",
      "FROM python:3.12-slim",
      "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp TMPDIR=/tmp",
      "COPY --chown=0:0 rl-arena/ /opt/rl-arena/",
      "COPY --chown=0:0 agent/ /agent/",
      "WORKDIR /agent",
      "USER 65532:65532",
      'ENTRYPOINT ["python3","-u","/opt/rl-arena/rl_arena_launch.py","/agent/bots/main.py"]',
      "",
    ].join("\n"),
  );
  assert.ok(js.includes("FROM node:22-slim\n"));
  assert.ok(js.includes("COPY --chown=0:0 node_modules/rl-arena-env/ /node_modules/rl-arena-env/\n"));
  assert.ok(js.endsWith('ENTRYPOINT ["node","/opt/rl-arena/runner.mjs","/agent/main.mjs"]\n'));
  for (const d of [py, js]) assert.not.match(d, /^RUN /m);
  assert.throws(() => generateAgentDockerfile("python", 'main.py"]\nRUN curl evil'), /entry .* must be a relative path/);
});

test.run();
