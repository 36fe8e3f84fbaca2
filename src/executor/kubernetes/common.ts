/**
 * Small pieces every generated Kubernetes object shares: names, labels, and the locked-down
 * security contexts. Typed with @kubernetes/client-node's models so that a misspelt field is a
 * compile error (kubernetes-models does not reject unknown fields; see stack notes §10).
 */
import type { V1Job, V1ObjectMeta, V1PodSecurityContext, V1PodSpec, V1SecurityContext } from "@kubernetes/client-node";

/** The uid/gid every non-root container of ours runs as (the "nonroot" id of distroless images). */
export const NONROOT_UID = 65532;

export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_PART_OF = "app.kubernetes.io/part-of";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_MATCH_ID = "rl-arena/match-id";
export const LABEL_SUBMISSION_ID = "rl-arena/submission-id";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Thrown by the manifest builders for input that cannot become a valid object. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/**
 * Checks an id that becomes part of a Job name and a label value: lower-case letters, digits
 * and dashes, at most 50 characters (a Job name is a 63-character DNS label and gets a prefix).
 */
export function checkObjectId(kind: string, id: string): string {
  if (typeof id !== "string" || id.length === 0 || id.length > 50 || !DNS_LABEL.test(id) || !LABEL_VALUE.test(id)) {
    throw new ManifestError(
      `${kind} ${JSON.stringify(id)} cannot name a Kubernetes object: use 1-50 lower-case letters, digits and dashes, starting and ending with a letter or digit`,
    );
  }
  return id;
}

/** Checks a namespace name (a DNS label of at most 63 characters). */
export function checkNamespace(namespace: string): string {
  if (typeof namespace !== "string" || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new ManifestError(`namespace ${JSON.stringify(namespace)} is not a valid DNS label (lower-case letters, digits, dashes, at most 63)`);
  }
  return namespace;
}

/** Checks an image reference enough to keep whitespace, quotes and control characters out of a manifest. */
export function checkImage(what: string, image: string): string {
  if (typeof image !== "string" || image.length === 0 || image.length > 512 || !/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(image)) {
    throw new ManifestError(`${what} image ${JSON.stringify(image)} is not a valid image reference`);
  }
  return image;
}

/** The standard labels on every object the worker creates. */
export function baseLabels(component: string): Record<string, string> {
  return {
    [LABEL_NAME]: "rl-arena",
    [LABEL_COMPONENT]: component,
    [LABEL_PART_OF]: "rl-arena",
    [LABEL_MANAGED_BY]: "rl-arena-worker",
  };
}

/**
 * Pod-level context. A match pod: non-root everywhere, RuntimeDefault seccomp, a shared group
 * for the FIFOs. `rootContainers` (a build pod, where Kaniko runs as root) leaves the users to
 * each container and keeps the seccomp profile and the shared group.
 */
export function podSecurity(options: { rootContainers?: boolean } = {}): V1PodSecurityContext {
  const shared: V1PodSecurityContext = { seccompProfile: { type: "RuntimeDefault" }, fsGroup: NONROOT_UID };
  if (options.rootContainers) return shared;
  return { runAsNonRoot: true, runAsUser: NONROOT_UID, runAsGroup: NONROOT_UID, ...shared };
}

/**
 * Container-level context. By default it passes the "restricted" Pod Security Standard:
 * non-root, read-only root filesystem, no privilege escalation, every capability dropped,
 * RuntimeDefault seccomp. `rootWith` runs the container as root with only those capabilities
 * added back (Kaniko unpacking base images; "baseline" at most), everything else as locked down.
 */
export function containerSecurity(options: { rootWith?: string[] } = {}): V1SecurityContext {
  const lockedDown: V1SecurityContext = { privileged: false, allowPrivilegeEscalation: false, seccompProfile: { type: "RuntimeDefault" } };
  if (options.rootWith) {
    return { runAsUser: 0, runAsNonRoot: false, ...lockedDown, capabilities: { drop: ["ALL"], add: options.rootWith } };
  }
  return {
    runAsNonRoot: true,
    runAsUser: NONROOT_UID,
    runAsGroup: NONROOT_UID,
    readOnlyRootFilesystem: true,
    ...lockedDown,
    capabilities: { drop: ["ALL"] },
  };
}

/** Parses a Kubernetes quantity we generate ("250m", "1", "512Mi") just enough to reject garbage early. */
export function checkQuantity(what: string, q: string): string {
  if (typeof q !== "string" || !/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(q)) {
    throw new ManifestError(`${what} ${JSON.stringify(q)} is not a Kubernetes quantity (e.g. "500m", "1", "512Mi")`);
  }
  return q;
}

/**
 * A Job that runs its pod once (backoffLimit 0, restartPolicy Never: a failed build or match is
 * reported, never retried behind our back), ends by `deadlineS`, is deleted `ttlS` after it
 * finished, and whose pod gets no API token, no service links and none of the host's
 * namespaces. `pod` adds the containers, volumes, pod security and the rest.
 */
export function runOnceJob(metadata: V1ObjectMeta & { labels: Record<string, string> }, limits: { deadlineS: number; ttlS: number },
  pod: Omit<V1PodSpec, "restartPolicy">): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata,
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: limits.deadlineS,
      ttlSecondsAfterFinished: limits.ttlS,
      template: {
        metadata: { labels: metadata.labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          hostNetwork: false,
          hostPID: false,
          hostIPC: false,
          shareProcessNamespace: false,
          ...pod,
        },
      },
    },
  };
}
