/**
 * The Job that builds an agent image with Kaniko.
 *
 * How the uploaded code reaches Kaniko: the worker packs a build context (the generated
 * Dockerfile, the uploaded files, our runtime files) into a tar.gz and serves it once, over
 * HTTP, from its own pod with a random one-time token (build_context.ts). The init
 * container `fetch-context` (our image, non-root) downloads it into an emptyDir, checks its
 * SHA-256, and Kaniko builds from `tar:///workspace/context.tar.gz`. This works for every
 * upload size the archive_max_bytes setting allows (megabytes), which a ConfigMap or Secret (1 MiB) would not.
 *
 * Kaniko itself must run as root (it unpacks the base image over its own filesystem), so the
 * build namespace is "baseline", not "restricted", and its container keeps the few
 * capabilities unpacking needs. The generated Dockerfile never RUNs anything from the upload,
 * and Kaniko writes the pushed digest to its termination message, so the match Job can pin
 * the image by digest.
 *
 * An archive with its own Dockerfile (a stdio agent in any language) is different: its RUN
 * steps are the uploader's code. So Kaniko then builds with `--no-push` into an image tarball,
 * as an init container that holds no credentials, and only the `push` container (crane, with
 * nothing of the upload running in it) gets the registry Secret and pushes that tarball,
 * writing the pushed reference to its termination message. The RUN steps still have the build
 * namespace's egress (DNS, HTTPS, the workers' build-context port, which serves each context
 * once to its token).
 */
import type { V1Container, V1Job } from "@kubernetes/client-node";
import {
  LABEL_SUBMISSION_ID,
  ManifestError,
  baseLabels,
  checkImage,
  checkNamespace,
  checkObjectId,
  containerSecurity,
  podSecurity,
  runOnceJob,
} from "./common.ts";

export const KANIKO_CONTAINER = "kaniko";
/** Pushes the image tarball of a build from an uploaded Dockerfile (see the module comment). */
export const PUSH_CONTAINER = "push";
/** crane, go-containerregistry's registry tool; operators may pin it by digest. */
export const DEFAULT_PUSH_IMAGE = "gcr.io/go-containerregistry/crane:v0.20.2";
const IMAGE_TARBALL = "/workspace/image.tar";
export const FETCH_CONTEXT_CONTAINER = "fetch-context";
/** Kaniko's last release from its original home; operators may point this at a maintained fork. */
export const DEFAULT_KANIKO_IMAGE = "gcr.io/kaniko-project/executor:v1.23.2";
export const DEFAULT_FETCH_COMMAND = ["node", "--import", "tsx", "src/executor/kubernetes/fetch_context_main.ts"];
export const CONTEXT_FILE = "/workspace/context.tar.gz";

export interface KanikoJobInput {
  submissionId: string;
  namespace: string;
  /** Full destination, e.g. `registry.example.com/rl-arena/agents:sub-42`. */
  destination: string;
  /** Where `fetch-context` downloads the context, with its one-time token and expected SHA-256. */
  context: { url: string; token: string; sha256: string };
  /** Our image (runs `fetch-context`). */
  platformImage: string;
  kanikoImage?: string;
  /** Secret of type kubernetes.io/dockerconfigjson with push rights to the registry. */
  registrySecret?: string;
  deadlineS?: number;
  ttlSecondsAfterFinished?: number;
  fetchCommand?: string[];
  /** Extra Kaniko flags, e.g. ["--insecure"] for a plain-HTTP in-cluster registry. */
  extraArgs?: string[];
  /** The context is an uploaded archive with its own Dockerfile: build without credentials, push apart. */
  ownDockerfile?: boolean;
  pushImage?: string;
}

export function buildJobName(submissionId: string): string {
  return `build-${checkObjectId("submission id", submissionId)}`;
}

/** Builds the Kaniko Job. Throws ManifestError for input that cannot make a valid object. */
export function buildKanikoJob(input: KanikoJobInput): V1Job {
  const name = buildJobName(input.submissionId);
  const namespace = checkNamespace(input.namespace);
  checkImage("destination", input.destination);
  checkImage("platform", input.platformImage);
  const kanikoImage = checkImage("kaniko", input.kanikoImage ?? DEFAULT_KANIKO_IMAGE);
  let url: URL;
  try {
    url = new URL(input.context.url);
  } catch {
    throw new ManifestError(`context url ${JSON.stringify(input.context.url)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ManifestError(`context url must be http(s), got ${url.protocol}`);
  if (!/^[a-f0-9]{64}$/.test(input.context.sha256)) throw new ManifestError("context sha256 must be 64 lower-case hex digits");
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(input.context.token)) throw new ManifestError("context token must be 16-256 characters of [A-Za-z0-9_-]");
  for (const a of input.extraArgs ?? []) if (!/^--[a-z][a-z0-9-]*(=[^\s]*)?$/.test(a)) throw new ManifestError(`kaniko flag ${JSON.stringify(a)} is not of the form --name[=value]`);
  const deadlineS = input.deadlineS ?? 900;
  if (!Number.isInteger(deadlineS) || deadlineS < 30) throw new ManifestError(`deadlineS ${deadlineS} must be an integer of at least 30`);
  const secret = input.registrySecret ?? "registry-credentials";
  const labels = { ...baseLabels("agent-build"), [LABEL_SUBMISSION_ID]: input.submissionId };

  const own = input.ownDockerfile === true;
  const push = own ? checkImage("push", input.pushImage ?? DEFAULT_PUSH_IMAGE) : null;
  const fetch: V1Container = {
    name: FETCH_CONTEXT_CONTAINER,
    image: input.platformImage,
    command: input.fetchCommand ?? DEFAULT_FETCH_COMMAND,
    workingDir: "/app",
    env: [
      { name: "RLA_CONTEXT_URL", value: url.href },
      { name: "RLA_CONTEXT_TOKEN", value: input.context.token },
      { name: "RLA_CONTEXT_SHA256", value: input.context.sha256 },
      { name: "RLA_CONTEXT_FILE", value: CONTEXT_FILE },
      { name: "HOME", value: "/tmp" },
      { name: "TMPDIR", value: "/tmp" },
    ],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    securityContext: containerSecurity(),
    volumeMounts: [
      { name: "workspace", mountPath: "/workspace" },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
  const kaniko: V1Container = {
    name: KANIKO_CONTAINER,
    image: kanikoImage,
    args: [
      `--context=tar://${CONTEXT_FILE}`,
      "--dockerfile=Dockerfile",
      `--destination=${input.destination}`,
      // An uploaded Dockerfile is built into a tarball without credentials; the push container pushes it.
      ...(own ? ["--no-push", `--tar-path=${IMAGE_TARBALL}`] : ["--digest-file=/dev/termination-log"]),
      "--snapshot-mode=redo",
      "--cleanup",
      ...(input.extraArgs ?? []),
    ],
    env: [{ name: "DOCKER_CONFIG", value: "/kaniko/.docker" }],
    resources: { requests: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "1Gi" }, limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "4Gi" } },
    // Kaniko needs root and the file-ownership capabilities to unpack base images; nothing else.
    securityContext: containerSecurity({ rootWith: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] }),
    volumeMounts: own
      ? [{ name: "workspace", mountPath: "/workspace" }]
      : [
          { name: "workspace", mountPath: "/workspace", readOnly: true },
          { name: "registry-credentials", mountPath: "/kaniko/.docker", readOnly: true },
        ],
  };
  const pusher: V1Container | null = push
    ? {
        name: PUSH_CONTAINER,
        image: push,
        args: ["push", IMAGE_TARBALL, input.destination, "--image-refs=/dev/termination-log", ...(input.extraArgs?.includes("--insecure") ? ["--insecure"] : [])],
        env: [{ name: "DOCKER_CONFIG", value: "/docker" }, { name: "HOME", value: "/tmp" }],
        terminationMessagePath: "/dev/termination-log",
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        securityContext: containerSecurity(),
        volumeMounts: [
          { name: "workspace", mountPath: "/workspace", readOnly: true },
          { name: "tmp", mountPath: "/tmp" },
          { name: "registry-credentials", mountPath: "/docker", readOnly: true },
        ],
      }
    : null;

  return runOnceJob({ name, namespace, labels }, { deadlineS, ttlS: input.ttlSecondsAfterFinished ?? 600 }, {
    terminationGracePeriodSeconds: 5,
    securityContext: podSecurity({ rootContainers: true }),
    ...(pusher ? { initContainers: [fetch, kaniko], containers: [pusher] } : { initContainers: [fetch], containers: [kaniko] }),
    volumes: [
      // An uploaded Dockerfile's image tarball is written here too.
      { name: "workspace", emptyDir: { sizeLimit: own ? "4Gi" : "64Mi" } },
      { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
      { name: "registry-credentials", secret: { secretName: secret, items: [{ key: ".dockerconfigjson", path: "config.json" }] } },
    ],
  });
}
