/**
 * The Job that plays one match: one pod, one container per agent, one referee container.
 *
 * How the agents are wired (see k8s/README.md, "How a match runs"):
 * - An init container (`prepare-io`, our image) makes three FIFOs (`in`, `out`, `err`) in a
 *   small emptyDir per seat. Each seat's volume is mounted only into that agent's container
 *   and the referee's, so agents cannot see each other's pipes.
 * - Each agent runs as a native sidecar (an init container with `restartPolicy: Always`,
 *   Kubernetes >= 1.29) whose shell opens the FIFOs as its stdin/stdout/stderr and execs the
 *   agent. Nothing listens on the network: in a pod all containers share one network
 *   namespace, so a TCP bridge would let one agent connect to the other's port.
 * - The referee (our image) spawns one bridge process per seat (bridge_main.ts), which
 *   joins its own stdio to that seat's FIFOs, and drives them with rl-arena-env's referee as
 *   if they were local processes.
 * - When the referee exits, Kubernetes stops the sidecars and the Job completes. The result
 *   travels only through the referee: a summary in its termination message and the full
 *   payload in its own log, framed with a per-match nonce (result.ts).
 */
import type { V1Container, V1Job, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { agentArgv } from "./agent_image.ts";
import {
  LABEL_MATCH_ID,
  ManifestError,
  baseLabels,
  checkImage,
  checkNamespace,
  checkObjectId,
  checkQuantity,
  containerSecurity,
  podSecurity,
  runOnceJob,
} from "./common.ts";
import type { ContainerResources, KubernetesAgent, MatchTimeLimits } from "./types.ts";

export const REFEREE_CONTAINER = "referee";
export const PREPARE_IO_CONTAINER = "prepare-io";
/** Where each seat's FIFO folder is mounted in the referee (seat i → `${IO_ROOT}/agent-${i}`). */
export const IO_ROOT = "/io";
/** Environment variables the referee reads. */
export const ENV_MATCH = "RLA_MATCH";
export const ENV_NONCE = "RLA_RESULT_NONCE";

/** The default command of the referee container in our image (see the Dockerfile). */
export const DEFAULT_REFEREE_COMMAND = ["node", "--import", "tsx", "src/executor/kubernetes/referee_main.ts"];


/** What the referee is told about the match (JSON in RLA_MATCH). */
export interface RefereeMatchConfig {
  matchId: string;
  environment: { id: string; version?: string; config?: Record<string, unknown> };
  seed: number;
  players: Array<{ agent_id: string; name: string; submission_id: string; version: number }>;
  limits: MatchTimeLimits;
  /** Seat i's FIFO folder. */
  io: string[];
}

export interface MatchJobInput {
  matchId: string;
  namespace: string;
  environment: { id: string; version?: string; config?: Record<string, unknown> };
  seed: number;
  agents: KubernetesAgent[];
  refereeImage: string;
  /** Per-match secret that frames the referee's result in its log (result.ts). */
  nonce: string;
  /** The match's time limits and stderr cap: the settings start_match returned (match_limits), never a default here. */
  limits: MatchTimeLimits;
  agentResources?: ContainerResources;
  refereeResources?: ContainerResources;
  /** Hard wall-clock limit of the whole pod; default: derived from the time limits. */
  deadlineS?: number;
  /** Seconds the finished Job is kept before Kubernetes deletes it (we delete it ourselves too). */
  ttlSecondsAfterFinished?: number;
  refereeCommand?: string[];
  /** Optional scheduling hints for a dedicated match node pool. */
  nodeSelector?: Record<string, string>;
  priorityClassName?: string;
}

export const DEFAULT_AGENT_RESOURCES: ContainerResources = { cpu: "1", memory: "512Mi", ephemeralStorage: "64Mi" };
export const DEFAULT_REFEREE_RESOURCES: ContainerResources = { cpu: "500m", memory: "512Mi", ephemeralStorage: "64Mi" };

/** Name of the Job of a match. */
export function matchJobName(matchId: string): string {
  return `match-${checkObjectId("match id", matchId)}`;
}

/**
 * The longest a match can legitimately take: both agents' init, every step at the step limit,
 * the whole time bank, plus slack for pulling images and starting containers.
 */
export function defaultMatchDeadlineS(limits: MatchTimeLimits, maxSteps = 1000, seats = 2): number {
  return Math.ceil(limits.initTimeoutS + maxSteps * limits.stepTimeoutS + seats * limits.timeBankS + 120);
}

/** Builds the match Job. Throws ManifestError for input that cannot make a valid object. */
export function buildMatchJob(input: MatchJobInput): V1Job {
  const name = matchJobName(input.matchId);
  const namespace = checkNamespace(input.namespace);
  checkImage("referee", input.refereeImage);
  if (!Array.isArray(input.agents) || input.agents.length < 1 || input.agents.length > 8) {
    throw new ManifestError(`a match needs 1 to 8 agents, got ${Array.isArray(input.agents) ? input.agents.length : typeof input.agents}`);
  }
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(input.nonce)) throw new ManifestError("the result nonce must be 16-128 characters of [A-Za-z0-9_-]");
  if (!Number.isSafeInteger(input.seed)) throw new ManifestError(`seed ${input.seed} must be a safe integer`);
  const limits = input.limits;
  const maxSteps = Number(input.environment.config?.max_steps ?? 1000);
  const deadlineS = input.deadlineS ?? defaultMatchDeadlineS(limits, Number.isFinite(maxSteps) ? maxSteps : 1000, input.agents.length);
  if (!Number.isInteger(deadlineS) || deadlineS < 10) throw new ManifestError(`deadlineS ${deadlineS} must be an integer of at least 10 seconds`);
  const agentRes = input.agentResources ?? DEFAULT_AGENT_RESOURCES;
  const refereeRes = input.refereeResources ?? DEFAULT_REFEREE_RESOURCES;

  const labels = { ...baseLabels("match"), [LABEL_MATCH_ID]: input.matchId };
  const seats = input.agents.map((_, i) => i);
  const ioVolume = (i: number) => `io-${i}`;
  const volumes: V1Volume[] = [
    // FIFOs take no space; the size limit only stops a seat's folder being used as storage.
    ...seats.map((i): V1Volume => ({ name: ioVolume(i), emptyDir: { medium: "Memory", sizeLimit: "1Mi" } })),
    ...seats.map((i): V1Volume => ({ name: `tmp-agent-${i}`, emptyDir: { sizeLimit: agentRes.ephemeralStorage ?? "64Mi" } })),
    { name: "tmp-referee", emptyDir: { sizeLimit: refereeRes.ephemeralStorage ?? "64Mi" } },
  ];

  const prepare: V1Container = {
    name: PREPARE_IO_CONTAINER,
    image: input.refereeImage,
    command: ["mkfifo", "-m", "0660", ...seats.flatMap((i) => ["in", "out", "err"].map((f) => `${IO_ROOT}/agent-${i}/${f}`))],
    resources: resources({ cpu: "50m", memory: "32Mi" }),
    securityContext: containerSecurity(),
    volumeMounts: seats.map((i): V1VolumeMount => ({ name: ioVolume(i), mountPath: `${IO_ROOT}/agent-${i}` })),
  };

  const agentContainers = input.agents.map((agent, i): V1Container => {
    checkImage(`agent ${i}`, agent.image);
    return {
      name: `agent-${i}`,
      image: agent.image,
      // A native sidecar: started before the referee, stopped by Kubernetes when the referee exits.
      restartPolicy: "Always",
      // "$@" keeps the argv out of the shell's parser; the redirections are the whole bridge on this side.
      command: ["/bin/sh", "-c", `exec "$@" <${IO_ROOT}/in >${IO_ROOT}/out 2>${IO_ROOT}/err`, "agent"],
      args: agentArgv(agent.language, agent.entry),
      env: [
        { name: "HOME", value: "/tmp" },
        { name: "TMPDIR", value: "/tmp" },
        { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
        { name: "PYTHONUNBUFFERED", value: "1" },
      ],
      resources: resources(agentRes),
      securityContext: containerSecurity(),
      volumeMounts: [
        { name: ioVolume(i), mountPath: IO_ROOT },
        { name: `tmp-agent-${i}`, mountPath: "/tmp" },
      ],
    };
  });

  const config: RefereeMatchConfig = {
    matchId: input.matchId,
    environment: input.environment,
    seed: input.seed,
    players: input.agents.map((a) => ({ agent_id: a.agentId, name: a.name, submission_id: a.submissionId, version: a.version })),
    limits,
    io: seats.map((i) => `${IO_ROOT}/agent-${i}`),
  };
  const referee: V1Container = {
    name: REFEREE_CONTAINER,
    image: input.refereeImage,
    command: input.refereeCommand ?? DEFAULT_REFEREE_COMMAND,
    workingDir: "/app",
    env: [
      { name: ENV_MATCH, value: JSON.stringify(config) },
      { name: ENV_NONCE, value: input.nonce },
      { name: "NODE_ENV", value: "production" },
      { name: "HOME", value: "/tmp" },
      { name: "TMPDIR", value: "/tmp" },
    ],
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    resources: resources(refereeRes),
    securityContext: containerSecurity(),
    volumeMounts: [
      ...seats.map((i): V1VolumeMount => ({ name: ioVolume(i), mountPath: `${IO_ROOT}/agent-${i}` })),
      { name: "tmp-referee", mountPath: "/tmp" },
    ],
  };

  return runOnceJob({ name, namespace, labels, annotations: { "rl-arena/environment": input.environment.id } },
    { deadlineS, ttlS: input.ttlSecondsAfterFinished ?? 300 }, {
      terminationGracePeriodSeconds: 2,
      securityContext: podSecurity(),
      ...(input.nodeSelector ? { nodeSelector: input.nodeSelector } : {}),
      ...(input.priorityClassName ? { priorityClassName: input.priorityClassName } : {}),
      initContainers: [prepare, ...agentContainers],
      containers: [referee],
      volumes,
    });
}

/** Requests equal to limits (Guaranteed QoS), so a match's timing does not depend on its neighbours. */
function resources(r: ContainerResources) {
  const values: Record<string, string> = { cpu: checkQuantity("cpu", r.cpu), memory: checkQuantity("memory", r.memory) };
  if (r.ephemeralStorage) values["ephemeral-storage"] = checkQuantity("ephemeral-storage", r.ephemeralStorage);
  return { requests: { ...values }, limits: { ...values } };
}
