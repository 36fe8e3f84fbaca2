/**
 * The Kubernetes executor (`EXECUTOR=kubernetes`): one Job per match, one Kaniko Job per build.
 *
 * A match:
 * 1. Creates the match Job (match_job.ts) with `fieldValidation: Strict`, so the API
 *    server rejects any field it does not know. If the Job already exists (a retried
 *    pg-boss job after a worker died), it adopts it and reads the nonce from its spec.
 * 2. Waits for it through the client's informer (list, watch, re-list on 410 Gone; watch.ts),
 *    bounded by the Job's activeDeadlineSeconds plus a startup allowance.
 * 3. Lists its pod, reads the referee's termination message and the referee's log, and
 *    checks the framed result (result.ts). Agents' logs are never read.
 * 4. Deletes the Job with propagationPolicy Background (its pod goes too), on every path.
 * Every failure on the way is a KubernetesPlatformError; the worker answers it with fail_match.
 */
import { randomBytes } from "node:crypto";
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig, type V1Job, type V1Pod } from "@kubernetes/client-node";
import type { Logger } from "../../log.ts";
import { LABEL_MATCH_ID, LABEL_SUBMISSION_ID, checkImage } from "./common.ts";
import { FETCH_CONTEXT_CONTAINER, KANIKO_CONTAINER, PUSH_CONTAINER, buildJobName, buildKanikoJob } from "./kaniko_job.ts";
import { ENV_NONCE, REFEREE_CONTAINER, buildMatchJob, matchJobName } from "./match_job.ts";
import { readResult } from "./result.ts";
import { WatchTimeoutError, waitForJob } from "./watch.ts";
import {
  KubernetesPlatformError,
  type AgentLanguage,
  type ContainerResources,
  type KubernetesBuildResult,
  type KubernetesMatchResult,
  type KubernetesMatchSpec,
} from "./types.ts";

export interface KubernetesExecutorOptions {
  /** Defaults to `loadFromDefault()` (KUBECONFIG, ~/.kube/config, else the in-cluster service account). */
  kubeConfig?: KubeConfig;
  matchNamespace?: string;
  buildNamespace?: string;
  /** Our own image: the referee and the build-context fetcher run from it. */
  platformImage: string;
  /** Repository prefix for agent images, e.g. `registry.example.com/rl-arena/agents`. */
  registry?: string;
  registrySecret?: string;
  kanikoImage?: string;
  kanikoExtraArgs?: string[];
  agentResources?: ContainerResources;
  refereeResources?: ContainerResources;
  /** Time allowed beyond the Job's activeDeadlineSeconds for scheduling and image pulls. Default 120 s. */
  startupSlackS?: number;
  /** Hard wall-clock limit of a match Job; default derived from the time limits. */
  matchDeadlineS?: number;
  buildDeadlineS?: number;
  /** Overrides the whole wait bound (activeDeadlineSeconds + startupSlackS); for tests and impatient callers. */
  waitDeadlineMs?: number;
  log?: Logger;
  signal?: AbortSignal;
}

function kubeConfigOf(options: KubernetesExecutorOptions): KubeConfig {
  if (options.kubeConfig) return options.kubeConfig;
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** Runs one match as a Kubernetes Job; see the module comment. */
export async function runMatchOnKubernetes(spec: KubernetesMatchSpec, options: KubernetesExecutorOptions): Promise<KubernetesMatchResult> {
  const namespace = options.matchNamespace ?? "rl-arena-matches";
  const kc = kubeConfigOf(options);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const log = options.log?.child({ matchId: spec.matchId });
  let name: string;
  let job: V1Job;
  let nonce = randomBytes(24).toString("base64url");
  try {
    name = matchJobName(spec.matchId);
    job = buildMatchJob({
      matchId: spec.matchId,
      namespace,
      environment: spec.environment,
      seed: spec.seed,
      agents: spec.agents,
      refereeImage: options.platformImage,
      nonce,
      limits: spec.limits,
      agentResources: options.agentResources,
      refereeResources: options.refereeResources,
      deadlineS: options.matchDeadlineS,
    });
  } catch (e) {
    throw new KubernetesPlatformError(`cannot build the Job for match ${spec.matchId}: ${(e as Error).message}`, undefined, { cause: e });
  }

  try {
    try {
      await batch.createNamespacedJob({ namespace, body: job, fieldValidation: "Strict" });
      log?.info("match Job created", { job: name, namespace });
    } catch (e) {
      if (!(e instanceof ApiException) || e.code !== 409) throw e;
      // A previous attempt (a worker that died) created it: wait for that one instead.
      const existing = await batch.readNamespacedJob({ name, namespace });
      const found = existing.spec?.template.spec?.containers.find((c) => c.name === REFEREE_CONTAINER)?.env?.find((v) => v.name === ENV_NONCE)?.value;
      if (!found) throw new Error(`Job ${name} exists but has no result nonce; it was not created by us`);
      nonce = found;
      job = existing;
      log?.warn("match Job already existed, adopting it", { job: name });
    }
    const deadlineMs = options.waitDeadlineMs ?? ((job.spec?.activeDeadlineSeconds ?? 0) + (options.startupSlackS ?? 120)) * 1000;
    const end = await waitForJob(kc, {
      namespace,
      name,
      labelSelector: `${LABEL_MATCH_ID}=${spec.matchId}`,
      deadlineMs,
      log,
      signal: options.signal,
    });
    const pod = await findPod(core, namespace, `${LABEL_MATCH_ID}=${spec.matchId}`, REFEREE_CONTAINER, name);
    const terminated = pod.status?.containerStatuses?.find((c) => c.name === REFEREE_CONTAINER)?.state?.terminated;
    if (end.state === "failed") {
      const why = terminated?.message ? `; referee said: ${terminated.message.slice(0, 500)}` : terminated ? `; referee exit code ${terminated.exitCode} (${terminated.reason ?? ""})` : "";
      throw new Error(`match Job ${name} failed (${end.reason})${why}`);
    }
    const text = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: REFEREE_CONTAINER });
    const payload = readResult(terminated?.message, text, nonce);
    log?.info("match Job finished", { job: name, end_reason: payload.outcome.end_reason, winner: payload.outcome.winner });
    return { ...payload, jobName: name };
  } catch (e) {
    if (e instanceof KubernetesPlatformError) throw e;
    const message = e instanceof WatchTimeoutError ? `match ${spec.matchId} timed out: ${e.message}` : `match ${spec.matchId} failed on Kubernetes: ${describe(e)}`;
    throw new KubernetesPlatformError(message, name, { cause: e });
  } finally {
    await deleteJob(batch, namespace, name, log);
  }
}

export interface KubernetesBuildInput {
  submissionId: string;
  agentId: string;
  language: AgentLanguage;
  entry: string;
  /** Where fetch-context downloads the build context (build_context.ts serves it). */
  context: { url: string; token: string; sha256: string };
  /** The context is an uploaded archive with its own Dockerfile (built without credentials, pushed apart). */
  ownDockerfile?: boolean;
}

/**
 * Builds and pushes an agent image with Kaniko. Resolves `{ ok: false }` with Kaniko's log
 * when the build itself failed; throws KubernetesPlatformError when Kubernetes could not run
 * it at all (API errors, timeout).
 */
export async function buildOnKubernetes(input: KubernetesBuildInput, options: KubernetesExecutorOptions): Promise<KubernetesBuildResult> {
  const namespace = options.buildNamespace ?? "rl-arena-builds";
  const kc = kubeConfigOf(options);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const log = options.log?.child({ submissionId: input.submissionId });
  const repository = `${options.registry ?? "registry.local/rl-arena/agents"}/${input.agentId}`;
  const tag = `${repository}:${input.submissionId}`;
  let name: string;
  let job: V1Job;
  try {
    checkImage("agent", tag);
    name = buildJobName(input.submissionId);
    job = buildKanikoJob({
      submissionId: input.submissionId,
      namespace,
      destination: tag,
      context: input.context,
      platformImage: options.platformImage,
      kanikoImage: options.kanikoImage,
      registrySecret: options.registrySecret,
      deadlineS: options.buildDeadlineS,
      extraArgs: options.kanikoExtraArgs,
      ownDockerfile: input.ownDockerfile,
    });
  } catch (e) {
    throw new KubernetesPlatformError(`cannot build the Kaniko Job for submission ${input.submissionId}: ${(e as Error).message}`, undefined, { cause: e });
  }
  try {
    await batch.createNamespacedJob({ namespace, body: job, fieldValidation: "Strict" });
    log?.info("build Job created", { job: name, namespace });
    const end = await waitForJob(kc, {
      namespace,
      name,
      labelSelector: `${LABEL_SUBMISSION_ID}=${input.submissionId}`,
      deadlineMs: options.waitDeadlineMs ?? ((job.spec?.activeDeadlineSeconds ?? 0) + (options.startupSlackS ?? 120)) * 1000,
      log,
      signal: options.signal,
    });
    // The last container of the pod: Kaniko, or the push container after an uploaded Dockerfile's build.
    const last = input.ownDockerfile ? PUSH_CONTAINER : KANIKO_CONTAINER;
    const pod = await findPod(core, namespace, `${LABEL_SUBMISSION_ID}=${input.submissionId}`, last, name);
    const podName = pod.metadata!.name!;
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const terminated = (container: string) => statuses.find((c) => c.name === container)?.state?.terminated;
    const fetch = terminated(FETCH_CONTEXT_CONTAINER);
    const logs: string[] = [];
    if (fetch && fetch.exitCode !== 0) logs.push(await readLog(core, podName, namespace, FETCH_CONTEXT_CONTAINER));
    if (terminated(KANIKO_CONTAINER)) logs.push(await readLog(core, podName, namespace, KANIKO_CONTAINER));
    if (input.ownDockerfile && terminated(PUSH_CONTAINER)) logs.push(await readLog(core, podName, namespace, PUSH_CONTAINER));
    const text = logs.join("\n");
    // Kaniko's --digest-file writes "sha256:…"; crane's --image-refs writes "repo:tag@sha256:…".
    const digest = /(?:^|@)(sha256:[a-f0-9]{64})\s*$/.exec(terminated(last)?.message?.trim() ?? "")?.[1];
    if (end.state === "succeeded") {
      const image = digest ? `${repository}@${digest}` : tag;
      log?.info("build Job finished", { job: name, image });
      return { ok: true, image, log: text, jobName: name };
    }
    return { ok: false, image: tag, log: text || `the build Job failed (${end.reason})`, jobName: name };
  } catch (e) {
    const message = e instanceof WatchTimeoutError ? `build of submission ${input.submissionId} timed out: ${e.message}` : `build of submission ${input.submissionId} failed on Kubernetes: ${describe(e)}`;
    throw new KubernetesPlatformError(message, name, { cause: e });
  } finally {
    await deleteJob(batch, namespace, name, log);
  }
}

/** The Job's pod whose `container` has terminated (one pod per Job: backoffLimit is 0). */
async function findPod(core: CoreV1Api, namespace: string, labelSelector: string, container: string, jobName: string): Promise<V1Pod> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector });
  const mine = pods.items.filter((p) => p.metadata?.labels?.["job-name"] === jobName || p.metadata?.labels?.["batch.kubernetes.io/job-name"] === jobName || p.metadata?.ownerReferences?.some((o) => o.kind === "Job" && o.name === jobName));
  const pod = mine.find((p) => p.status?.containerStatuses?.some((c) => c.name === container && c.state?.terminated)) ?? mine[0];
  if (!pod?.metadata?.name) throw new Error(`Job ${jobName} finished but none of its pods can be found`);
  return pod;
}

/** The last 256 KiB of a container's log; a missing log is reported in the text, not thrown. */
async function readLog(core: CoreV1Api, name: string, namespace: string, container: string): Promise<string> {
  try {
    return await core.readNamespacedPodLog({ name, namespace, container, limitBytes: 256 * 1024 });
  } catch (e) {
    return `[the ${container} log could not be read: ${describe(e)}]`;
  }
}

async function deleteJob(batch: BatchV1Api, namespace: string, name: string | undefined, log: Logger | undefined): Promise<void> {
  if (!name) return;
  try {
    await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" });
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return;
    // The Job's TTL removes it later; nothing else depends on this delete.
    log?.warn("deleting the Job failed; its TTL will remove it", { job: name, error: describe(e) });
  }
}

function describe(e: unknown): string {
  if (e instanceof ApiException) {
    let detail = "";
    try {
      detail = (JSON.parse(String(e.body)) as { message?: string }).message ?? "";
    } catch {
      detail = String(e.body ?? "").slice(0, 300);
    }
    return `HTTP ${e.code}${detail ? `: ${detail}` : ""}`;
  }
  return e instanceof Error ? e.message : String(e);
}
