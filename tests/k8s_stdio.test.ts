/**
 * Agents that speak the protocol themselves on Kubernetes (no live cluster: schemas of
 * kubernetes-models 4.5.1 and the fake API server of tests/helpers/k8s_fake_api.ts). A stdio
 * command gets an image of its interpreter's base with its files and nothing of ours; an
 * archive with its own Dockerfile is built by Kaniko without credentials (--no-push) and pushed
 * by a separate container that alone holds the registry Secret.
 */
import * as k8s from "@kubernetes/client-node";
import type { V1Job } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { Job } from "kubernetes-models/batch/v1/Job";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateAgentDockerfile, stdioArgv } from "../src/executor/kubernetes/agent_image.ts";
import { createBuildContext } from "../src/executor/kubernetes/build_context.ts";
import { buildKanikoJob } from "../src/executor/kubernetes/kaniko_job.ts";
import { buildMatchJob } from "../src/executor/kubernetes/match_job.ts";
import { buildOnKubernetes } from "../src/executor/kubernetes/jobs.ts";
import { unpackArchive } from "../src/submissions/intake.ts";
import { rawPython, stdioZip } from "./fixtures/stdio_agents.ts";
import { finishedPod, startFakeApi } from "./helpers/k8s_fake_api.ts";

const wire = (o: object) => yaml.load(k8s.dumpYaml(o)) as Record<string, any>;
const kaniko = {
  submissionId: "s9",
  namespace: "rl-arena-builds",
  destination: "registry.test/agents/a7:s9",
  context: { url: "http://10.1.2.3:8081/build-context/abc", token: "T".repeat(43), sha256: "f".repeat(64) },
  platformImage: "registry.test/rl-arena:1.0.0",
};

test("a Dockerfile build's Job validates: Kaniko builds without credentials, only the push container holds them", () => {
  // Action
  const job = buildKanikoJob({ ...kaniko, ownDockerfile: true, extraArgs: ["--insecure"] });
  new Job(wire(job) as any).validate();
  const pod = job.spec!.template.spec!;
  // Assertions
  assert.equal(pod.initContainers!.map((c) => c.name), ["fetch-context", "kaniko"]);
  assert.equal(pod.containers.map((c) => c.name), ["push"]);
  const [, builder] = pod.initContainers!;
  const [push] = pod.containers;
  assert.ok(builder!.args!.includes("--no-push"));
  assert.ok(builder!.args!.includes("--tar-path=/workspace/image.tar"));
  assert.not.ok(builder!.args!.some((a) => a.startsWith("--digest-file")));
  assert.not.ok(builder!.volumeMounts!.some((m) => m.name === "registry-credentials"), "the uploader's RUN steps never see the push credentials");
  assert.equal(builder!.securityContext!.capabilities, { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] });
  assert.is(push!.image, "gcr.io/go-containerregistry/crane:v0.20.2");
  assert.equal(push!.args, ["push", "/workspace/image.tar", "registry.test/agents/a7:s9", "--image-refs=/dev/termination-log", "--insecure"]);
  assert.equal(push!.volumeMounts!.find((m) => m.name === "registry-credentials"), { name: "registry-credentials", mountPath: "/docker", readOnly: true });
  assert.equal(push!.volumeMounts!.find((m) => m.name === "workspace"), { name: "workspace", mountPath: "/workspace", readOnly: true });
  assert.is(push!.securityContext!.runAsNonRoot, true);
  assert.is(push!.securityContext!.readOnlyRootFilesystem, true);
  assert.equal(push!.securityContext!.capabilities, { drop: ["ALL"] });
  assert.is(pod.automountServiceAccountToken, false);
  assert.is(pod.volumes!.find((v) => v.name === "workspace")!.emptyDir!.sizeLimit, "4Gi");
});

test("the usual build keeps Kaniko pushing with its digest file, credentials mounted read-only", () => {
  const pod = buildKanikoJob(kaniko).spec!.template.spec!;
  assert.equal(pod.containers.map((c) => c.name), ["kaniko"]);
  assert.ok(pod.containers[0]!.args!.includes("--digest-file=/dev/termination-log"));
  assert.not.ok(pod.containers[0]!.args!.includes("--no-push"));
});

test("a match Job with a stdio seat validates, and the seat runs its command as is", () => {
  const job = buildMatchJob({
    matchId: "0b6f2c1e-5a4d-4c1b-9d7e-2f3a4b5c6d7e",
    namespace: "rl-arena-matches",
    environment: { id: "pong", config: { max_steps: 1000 } },
    seed: 1,
    agents: [
      { image: "registry.test/agents/a1@sha256:" + "1".repeat(64), language: "stdio", entry: '["./bot","--fast"]', agentId: "a1", name: "one", submissionId: "s1", version: 1 },
      { image: "registry.test/rl-arena:1.0.0", language: "builtin", entry: "pong-tracker", agentId: "", name: "builtin", submissionId: "", version: 0 },
    ],
    refereeImage: "registry.test/rl-arena:1.0.0",
    nonce: "n".repeat(32),
    limits: { initTimeoutS: 10, stepTimeoutS: 1, timeBankS: 60, stderrCapBytes: 1 << 20 }, // test values (the platform passes the settings' match_limits)
  });
  new Job(wire(job) as any).validate();
  const seat = job.spec!.template.spec!.initContainers!.find((c) => c.name === "agent-0")!;
  assert.equal(seat.args, ["./bot", "--fast"]);
  assert.equal(seat.command!.slice(0, 2), ["/bin/sh", "-c"]);
});

test("a stored command that is not a clean argv never reaches a manifest", () => {
  assert.throws(() => stdioArgv('["python3","a\\nRUN x"]'), /must be 1-32 non-empty strings without control characters/);
  assert.throws(() => stdioArgv("[]"), /must be 1-32 non-empty strings/);
  assert.throws(() => stdioArgv("python3 bot.py"), /is not JSON/);
});

test("a stdio agent's generated Dockerfile: its interpreter's base image, its files, its command, nothing of ours, no RUN", () => {
  assert.is(generateAgentDockerfile("stdio", '["python3","bot.py"]'), [
    "# Generated by RL-Arena for one submission; do not edit.",
    "FROM python:3.12-slim",
    "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp TMPDIR=/tmp",
    "COPY --chown=0:0 agent/ /agent/",
    "WORKDIR /agent",
    "USER 65532:65532",
    'ENTRYPOINT ["python3","bot.py"]',
    "",
  ].join("\n"));
  assert.match(generateAgentDockerfile("stdio", '["node","bot.mjs"]'), /^FROM node:22-slim$/m);
  assert.match(generateAgentDockerfile("stdio", '["./bot"]'), /^FROM python:3\.12-slim$/m);
  assert.throws(() => generateAgentDockerfile("stdio", '["ruby","bot.rb"]'), /program "ruby" has no base image here; use python3, node or a file of the archive/);
});

async function contextFiles(tarball: Buffer): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "rla-stdio-ctx-"));
  const file = join(dir, "context.tar.gz");
  writeFileSync(file, tarball);
  await extract({ file, cwd: dir });
  return dir;
}

test("a stdio build context holds the generated Dockerfile and the files, the program still executable", async () => {
  const code = join(mkdtempSync(join(tmpdir(), "rla-stdio-code-")), "s");
  await unpackArchive(stdioZip(["./bot"], { bot: "#!/bin/sh\nexec python3 bot.py\n", "bot.py": rawPython() }), "agent.zip", code);
  const dir = await contextFiles((await createBuildContext({ language: "stdio", entry: '["./bot"]', codeDir: code })).tarball);
  assert.match(readFileSync(join(dir, "Dockerfile"), "utf8"), /ENTRYPOINT \["\.\/bot"\]/);
  assert.is(statSync(join(dir, "agent", "bot")).mode & 0o777, 0o755);
  assert.ok(statSync(join(dir, "agent", "bot.py")).isFile());
});

test("an archive's own Dockerfile is the context's Dockerfile, at its root", async () => {
  const code = join(mkdtempSync(join(tmpdir(), "rla-stdio-code-")), "s");
  const dockerfile = "FROM golang:1.23 AS build\nCOPY . /src\nRUN cd /src && go build -o /bot\nFROM debian:12-slim\nCOPY --from=build /bot /bot\n";
  await unpackArchive(stdioZip(["/bot"], { Dockerfile: dockerfile, "main.go": "package main\n" }), "agent.zip", code);
  const dir = await contextFiles((await createBuildContext({ language: "stdio", entry: '["/bot"]', codeDir: code, ownDockerfile: true })).tarball);
  assert.is(readFileSync(join(dir, "Dockerfile"), "utf8"), dockerfile);
  assert.ok(statSync(join(dir, "main.go")).isFile());
});

test("a Dockerfile build against the API: the image is pinned by the digest the push container reported, with both logs", async () => {
  const api = await startFakeApi();
  const BNS = "rl-arena-builds";
  const digest = `sha256:${"cd".repeat(32)}`;
  try {
    api.onCreate = (job: V1Job) => {
      const pod = finishedPod(job, [
        { name: "fetch-context", exitCode: 0, init: true },
        { name: "kaniko", exitCode: 0, init: true },
        { name: "push", exitCode: 0, message: `registry.test/agents/a7:s9@${digest}\n` },
      ]);
      api.pods.set(BNS, [pod]);
      api.logs.set(`${pod.metadata!.name}/kaniko`, "INFO Built image to tarball\n");
      api.logs.set(`${pod.metadata!.name}/push`, "pushed\n");
    };
    api.watchSteps = [() => ({ events: [{ type: "MODIFIED", object: api.setStatus(BNS, "build-s9", { succeeded: 1 }) }], then: "hold" })];
    const result = await buildOnKubernetes(
      { submissionId: "s9", agentId: "a7", language: "stdio", entry: '["/bot"]', ownDockerfile: true, context: { url: "http://10.0.0.5:8081/build-context/x", token: "t".repeat(32), sha256: "c".repeat(64) } },
      { kubeConfig: api.kubeConfig, platformImage: "registry.test/rl-arena:1", registry: "registry.test/agents" },
    );
    assert.equal(result, { ok: true, image: `registry.test/agents/a7@${digest}`, log: "INFO Built image to tarball\n\npushed\n", jobName: "build-s9" });
    const created = api.requests[0]!.body as V1Job;
    assert.equal(created.spec!.template.spec!.containers.map((c) => c.name), ["push"]);
  } finally {
    await api.close();
  }
});

test.run();
