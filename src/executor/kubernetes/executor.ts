/**
 * The Executor the workers use when EXECUTOR=kubernetes: adapts the workers' shapes (MatchSpec,
 * BuildSpec) to the Kubernetes functions of kubernetes.ts and their results back.
 *
 * A match: each seat becomes a container — an uploaded agent runs the image its build pushed
 * (start_match's player*_image), a built-in policy runs from the platform image — and
 * runMatchOnKubernetes plays it as one Job. The replay comes back as an object and is gzipped
 * here for finish_match. Every Kubernetes failure becomes a PlatformError, so the match worker
 * answers it with fail_match; an aborted job (ctx.signal) deletes its Job and rejects with the
 * abort, so pg-boss retries it.
 *
 * A build:
 * 1. checks and unpacks the archive (the same intake as the local executor);
 * 2. packs the build context (Dockerfile, code, our runtime) and serves it once on
 *    BUILD_CONTEXT_PORT, advertised at POD_IP; one build at a time holds the port, only until
 *    its fetch-context container has downloaded the context;
 *    (a stdio agent: a Dockerfile of its interpreter's base image and its files; one with its
 *    own Dockerfile: its archive as is, built without credentials, see kaniko_job.ts);
 * 3. runs the Kaniko Job, which pushes `<AGENT_REGISTRY>/<agent>:<submission>` (pinned by digest);
 * 4. plays a short validation match of the new image against the environment's built-in
 *    opponent as a match Job, exactly as on one machine; pass ⇒ ok with the image, which
 *    finish_build records for the matches.
 *
 * What a Kubernetes match cannot report (the referee runs inside the pod): per-step answer
 * times (stats.meanStepMs / maxStepMs are empty, no `agent.step` events) and step progress
 * (ctx.onStep is never called). stats.wallMs is the whole Job, scheduling and image pulls
 * included; stats.loopMs is the replay's ended_at − started_at.
 */
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { KubeConfig } from "@kubernetes/client-node";
import type { Sql } from "postgres";
import { resolveConfig, type MatchOutcome } from "rl-arena-env";
import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import { DEFAULT_RUNTIME_DIR, createBuildContext, prepareAgentRuntime, serveBuildContext } from "./build_context.ts";
import { stdioArgv, stdioBaseImage } from "./agent_image.ts";
import { describeRuntimes, KUBERNETES_RUNTIMES } from "../runtimes.ts";
import { DEFAULT_AGENT_RESOURCES, defaultMatchDeadlineS } from "./match_job.ts";
import { buildOnKubernetes, runMatchOnKubernetes, type KubernetesExecutorOptions } from "./jobs.ts";
import { KubernetesPlatformError, type AgentLanguage, type ContainerResources, type KubernetesAgent, type KubernetesBuildResult, type KubernetesMatchSpec, type MatchTimeLimits } from "./types.ts";
import { Semaphore } from "../semaphore.ts";
import { uploadLimits } from "../../submissions/upload_limits.ts";
import { ensureUnpacked, inspectBuildArchive, validationOpponent } from "../submission_files.ts";
import { PlatformError, type BuildResult, type BuildSpec, type Executor, type MatchRunResult, type MatchSpec, type RunContext } from "../types.ts";

/** The configuration the Kubernetes executor reads (src/config.ts); the K8S_* defaults apply when a key is absent. */
export type KubernetesConfig = Pick<Config, "dataDir"> &
  Partial<Pick<Config, "K8S_MATCH_NAMESPACE" | "K8S_BUILD_NAMESPACE" | "PLATFORM_IMAGE" | "AGENT_REGISTRY" | "REGISTRY_SECRET" | "KANIKO_IMAGE" | "BUILD_CONTEXT_PORT" | "POD_IP">>;

export interface KubernetesExecutorDeps {
  sql: Sql;
  log: Logger;
  config: KubernetesConfig;
  /** Overrides of the Kubernetes options (tests, embedding): kubeConfig, deadlines, resources… */
  options?: Partial<KubernetesExecutorOptions>;
  /** Where the agent runtime for build contexts lives; default dist/agent-runtime (the image), else prepared under DATA_DIR. */
  runtimeDir?: string;
}

/** Thrown at creation when the configuration cannot drive Kubernetes. */
export class KubernetesConfigError extends Error {
  override name = "KubernetesConfigError";
}

/** Creates the Kubernetes executor; see the module comment. Throws KubernetesConfigError naming the missing variable. */
export function createKubernetesExecutor(deps: KubernetesExecutorDeps): Executor {
  const { config } = deps;
  const log = deps.log.child({ executor: "kubernetes" });
  if (!config.AGENT_REGISTRY) throw new KubernetesConfigError("AGENT_REGISTRY: required when EXECUTOR=kubernetes (where Kaniko pushes agent images)");
  if (!config.POD_IP) {
    throw new KubernetesConfigError("POD_IP: required when EXECUTOR=kubernetes (the worker's own address, from the downward API status.podIP; build pods fetch their context from it)");
  }
  const platformImage = config.PLATFORM_IMAGE ?? "rl-arena:latest";
  let kubeConfig = deps.options?.kubeConfig;
  if (!kubeConfig) {
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
  }
  const base: KubernetesExecutorOptions = {
    matchNamespace: config.K8S_MATCH_NAMESPACE,
    buildNamespace: config.K8S_BUILD_NAMESPACE,
    registry: config.AGENT_REGISTRY,
    registrySecret: config.REGISTRY_SECRET,
    kanikoImage: config.KANIKO_IMAGE,
    log,
    ...deps.options,
    platformImage: deps.options?.platformImage ?? platformImage,
    kubeConfig,
  };
  const context = { advertiseHost: config.POD_IP, port: config.BUILD_CONTEXT_PORT ?? 8081 };
  // One build-context server at a time: they all listen on BUILD_CONTEXT_PORT.
  const contextPort = new Semaphore(1);
  let runtime: Promise<string> | null = null;
  const runtimeDir = () => (runtime ??= agentRuntime(deps.runtimeDir, config.dataDir).catch((e) => {
    runtime = null;
    throw e;
  }));

  const running = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => {});
    return p;
  };
  const play = (spec: MatchSpec, ctx: RunContext) => playOnKubernetes(spec, ctx, base, platformImage);
  log.info("Kubernetes executor ready", { matchNamespace: base.matchNamespace ?? "rl-arena-matches", buildNamespace: base.buildNamespace ?? "rl-arena-builds", platformImage, registry: base.registry });
  return {
    kind: "kubernetes",
    runMatch: (spec, ctx = {}) => track(play(spec, ctx)),
    build: (spec, ctx = {}) => track(buildOnCluster(spec, ctx, { base, context, contextPort, runtimeDir, dataDir: config.dataDir, sql: deps.sql, play, log })),
    async close() {
      await Promise.allSettled([...running]);
    },
  };
}

/** The image runtime when it was prepared at image build time, else one prepared once under DATA_DIR. */
async function agentRuntime(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured;
  if (existsSync(join(DEFAULT_RUNTIME_DIR, "node", "rl-arena")) && existsSync(join(DEFAULT_RUNTIME_DIR, "python", "rl-arena"))) return DEFAULT_RUNTIME_DIR;
  const dir = join(dataDir, "agent-runtime");
  if (!existsSync(join(dir, "node", "node_modules", "rl-arena-env", "package.json"))) await prepareAgentRuntime(dir);
  return dir;
}

/** The seats as containers: uploaded agents run their built image, built-in policies the platform image. */
export function kubernetesAgents(spec: MatchSpec, platformImage: string): KubernetesAgent[] {
  return spec.seats.map((seat, p) => {
    const who = { agentId: seat.agentId, name: seat.name, submissionId: seat.submissionId, version: seat.version };
    if (seat.language === "builtin") return { ...who, image: platformImage, language: "builtin", entry: seat.entry };
    if (!seat.image) {
      throw new PlatformError(`seat ${p} (${seat.name}, submission ${seat.submissionId}) has no agent image: it was built without EXECUTOR=kubernetes; rebuild it to run it on Kubernetes`);
    }
    return { ...who, image: seat.image, language: seat.language, entry: seat.entry };
  });
}

/**
 * Each agent container's CPU and memory: the memory_mb and cpus settings the match started with
 * (match_limits), as the local sandbox uses them; an operator's explicit agentResources option wins.
 */
function agentResourcesOf(spec: MatchSpec, base: KubernetesExecutorOptions): ContainerResources {
  return base.agentResources ?? { ...DEFAULT_AGENT_RESOURCES, cpu: String(spec.settings.cpus), memory: `${Math.round(spec.settings.memoryMb)}Mi` };
}

/** Plays one match as a Job; maps the result to the workers' shape. */
async function playOnKubernetes(spec: MatchSpec, ctx: RunContext, base: KubernetesExecutorOptions, platformImage: string): Promise<MatchRunResult> {
  const agents = kubernetesAgents(spec, platformImage);
  const limits: MatchTimeLimits = {
    initTimeoutS: spec.settings.initTimeoutS,
    stepTimeoutS: spec.settings.stepTimeoutS,
    timeBankS: spec.settings.timeBankS,
    stderrCapBytes: spec.settings.logCapBytes,
  };
  const maxSteps = Number(spec.environment.config.max_steps ?? 1000);
  // The Job may not outlive the database's deadline for the match (housekeeping fails it then).
  const deadlineS = Math.max(10, Math.min(defaultMatchDeadlineS(limits, Number.isFinite(maxSteps) ? maxSteps : 1000, agents.length), Math.floor(spec.settings.matchDeadlineS)));
  const kspec: KubernetesMatchSpec = { matchId: spec.matchId, environment: spec.environment, seed: spec.seed, agents, limits };
  const started = performance.now();
  let result;
  try {
    result = await runMatchOnKubernetes(kspec, { matchDeadlineS: deadlineS, ...base, agentResources: agentResourcesOf(spec, base), signal: ctx.signal });
  } catch (error) {
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? error;
    if (error instanceof KubernetesPlatformError) throw new PlatformError(error.message, { cause: error });
    throw error;
  }
  const wallMs = Math.round(performance.now() - started);
  const replay = result.replay as { started_at?: string; ended_at?: string } | null;
  const loop = replay ? Date.parse(replay.ended_at ?? "") - Date.parse(replay.started_at ?? "") : NaN;
  const logs = spec.seats.map((_, p) => String(result.logs[p] ?? ""));
  return {
    outcome: result.outcome as MatchOutcome,
    replayGzip: gzipSync(JSON.stringify(result.replay)),
    logs,
    stats: { wallMs, loopMs: Number.isFinite(loop) && loop >= 0 ? loop : wallMs, meanStepMs: [], maxStepMs: [] },
    // Kubernetes stops every container of the pod; there is nothing left on this machine to sweep.
    leftoverProcesses: 0,
  };
}

interface BuildDeps {
  base: KubernetesExecutorOptions;
  context: { advertiseHost: string; port: number };
  contextPort: Semaphore;
  runtimeDir: () => Promise<string>;
  dataDir: string;
  /** The database, for the upload limits a build re-checks the archive against. */
  sql: Sql;
  play: (spec: MatchSpec, ctx: RunContext) => Promise<MatchRunResult>;
  log: Logger;
}

/**
 * Builds a submission on the cluster (see the module comment). An agent at fault (bad archive,
 * failed image build, failed validation match) is `{ ok: false }` with the reason; a platform
 * problem throws (the build job is retried, then failed by the dead-letter worker).
 */
async function buildOnCluster(spec: BuildSpec, ctx: RunContext, deps: BuildDeps): Promise<BuildResult> {
  const limits = await uploadLimits(deps.sql);
  const inspected = await inspectBuildArchive(spec, limits);
  if ("refused" in inspected) return inspected.refused;
  const { lines } = inspected;
  const { language, entry } = inspected.summary;
  const ownDockerfile = language === "stdio" && inspected.summary.dockerfile;
  if (language === "stdio" && !ownDockerfile && !stdioBaseImage(stdioArgv(entry))) {
    const error = `the command's program ${JSON.stringify(stdioArgv(entry)[0])} has no image here: without a Dockerfile, a command runs ${describeRuntimes(KUBERNETES_RUNTIMES)} or a file of the archive ("./bot", in the Python image); add a Dockerfile at the archive's root to bring any other`;
    return { ok: false, language, entry, error, log: lines.concat(error).join("\n") + "\n" };
  }
  if (ownDockerfile) lines.push("Dockerfile at the archive's root: building the agent's own image with it");
  const opponent = validationOpponent(spec.environment.id);
  if (!opponent) throw new PlatformError(`environment ${spec.environment.id} has no built-in agent to validate against`);
  const { dir } = await ensureUnpacked(deps.dataDir, spec.submissionId, spec.archive, spec.archiveName, limits);
  const runtimeDir = language === "stdio" ? undefined : await deps.runtimeDir();
  const { tarball, sha256 } = await createBuildContext({ language, entry, codeDir: dir, runtimeDir, ownDockerfile });

  const image = await buildImage(spec, ctx, deps, { language, entry, tarball, sha256, ownDockerfile });
  const kanikoLog = tail(image.log, 16 * 1024);
  if (!image.ok) {
    const last = image.log.trim().split("\n").filter(Boolean).at(-1) ?? "no log";
    lines.push(`image build (Kaniko Job ${image.jobName}): FAILED`, `--- Kaniko log (end) ---\n${kanikoLog.trimEnd()}`);
    return { ok: false, language, entry, log: lines.join("\n") + "\n", error: `the image build failed: ${last.length > 300 ? last.slice(0, 300) + "…" : last}` };
  }
  lines.push(`image build (Kaniko Job ${image.jobName}): pushed ${image.image}`);

  const config = validationConfig(spec.environment.id, spec.environment.config, spec.validationSteps);
  const match: MatchSpec = {
    matchId: `validation-${spec.submissionId}`,
    environment: { ...spec.environment, config },
    seed: randomInt(0, 2 ** 31),
    settings: { ...spec.settings, timeBankS: Math.min(spec.settings.timeBankS, 10) },
    seats: [
      { agentId: spec.agentId, name: "submission", submissionId: spec.submissionId, version: 0, language, entry, image: image.image },
      { agentId: "", name: `builtin:${opponent}`, submissionId: "", version: 0, language: "builtin", entry: opponent },
    ],
  };
  const result = await deps.play(match, ctx);
  const o = result.outcome;
  const agentFaulted = o.faulted_player === 0 || (o.faulted_players ?? []).includes(0);
  const where = `${spec.environment.id}, up to ${spec.validationSteps} steps against builtin:${opponent}, in a Kubernetes Job`;
  lines.push(agentFaulted
    ? `validation match (${where}): FAILED at step ${o.total_steps} — ${o.end_reason}${o.fault_detail ? `: ${o.fault_detail}` : ""}`
    : `validation match (${where}): passed, ${o.total_steps} steps`);
  const stderr = result.logs[0] ?? "";
  lines.push(stderr ? `--- agent stderr ---\n${stderr.trimEnd()}` : "--- agent stderr: (empty) ---");
  const log = lines.join("\n") + "\n";
  if (agentFaulted) return { ok: false, language, entry, log, error: `the validation match failed: ${o.end_reason} at step ${o.total_steps}` };
  return { ok: true, language, entry, image: image.image, log };
}

/** Serves the context (holding the port only until it was fetched) and runs the Kaniko Job. */
async function buildImage(spec: BuildSpec, ctx: RunContext, deps: BuildDeps, input: { language: AgentLanguage; entry: string; tarball: Buffer; sha256: string; ownDockerfile: boolean }): Promise<KubernetesBuildResult> {
  const release = await deps.contextPort.acquire(ctx.signal);
  let building!: Promise<KubernetesBuildResult>;
  try {
    let served;
    try {
      served = await serveBuildContext(input.tarball, deps.context);
    } catch (e) {
      throw new PlatformError(`cannot serve the build context on port ${deps.context.port}: ${(e as Error).message}`, { cause: e });
    }
    try {
      building = buildOnKubernetes(
        { submissionId: spec.submissionId, agentId: spec.agentId, language: input.language, entry: input.entry, context: { url: served.url, token: served.token, sha256: served.sha256 }, ownDockerfile: input.ownDockerfile },
        { ...deps.base, signal: ctx.signal },
      );
      building.catch(() => {}); // awaited below; this only keeps an early rejection from being "unhandled"
      await Promise.race([served.fetched, building.then(() => {}, () => {})]);
    } finally {
      await served.close();
    }
  } finally {
    release();
  }
  try {
    return await building;
  } catch (error) {
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? error;
    if (error instanceof KubernetesPlatformError) throw new PlatformError(error.message, { cause: error });
    throw error;
  }
}

/** The environment's config with max_steps capped at the validation length, when the environment has that setting. */
export function validationConfig(envId: string, config: Record<string, unknown>, steps: number): Record<string, unknown> {
  let resolved: Record<string, unknown>;
  try {
    resolved = resolveConfig(envId, config);
  } catch {
    return config; // not an environment of rl-arena-env's registry: its own end applies
  }
  if (!("max_steps" in resolved)) return config;
  const current = Number(resolved.max_steps);
  return { ...config, max_steps: Number.isFinite(current) ? Math.min(current, steps) : steps };
}

function tail(text: string, bytes: number): string {
  return text.length <= bytes ? text : "…" + text.slice(text.length - bytes);
}
