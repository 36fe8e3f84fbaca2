/**
 * The namespaces matches and builds run in, with their fences: Pod Security labels, a
 * NetworkPolicy, a ResourceQuota and a LimitRange. k8s/base/ holds the same objects as YAML
 * (tests/k8s_manifests.test.ts checks that both agree).
 */
import type { V1LimitRange, V1Namespace, V1NetworkPolicy, V1ResourceQuota } from "@kubernetes/client-node";
import { baseLabels, checkNamespace } from "./common.ts";

export interface MatchNamespaceOptions {
  namespace?: string;
  /** Matches running at once in the namespace (each match pod counts once). */
  maxMatchPods?: number;
  /** Total CPU / memory all match pods may request and use. */
  cpu?: string;
  memory?: string;
}

type NamespaceObject = V1Namespace | V1NetworkPolicy | V1ResourceQuota | V1LimitRange;

type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** A Namespace with its Pod Security Admission labels (the enforced level against the latest standard). */
function namespaceObject(name: string, labels: Record<string, string>,
  levels: { enforce: PodSecurityLevel; audit?: PodSecurityLevel; warn: PodSecurityLevel }): V1Namespace {
  const podSecurity: Record<string, string> = {
    "pod-security.kubernetes.io/enforce": levels.enforce,
    "pod-security.kubernetes.io/enforce-version": "latest",
  };
  if (levels.audit) podSecurity["pod-security.kubernetes.io/audit"] = levels.audit;
  podSecurity["pod-security.kubernetes.io/warn"] = levels.warn;
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...labels, ...podSecurity } } };
}

/**
 * The match namespace: "restricted" Pod Security enforced, no traffic in or out of any pod
 * (agents and referee talk through FIFOs inside the pod), and quotas so a burst of matches
 * cannot starve the cluster.
 */
export function buildMatchNamespaceObjects(options: MatchNamespaceOptions = {}): NamespaceObject[] {
  const namespace = checkNamespace(options.namespace ?? "rl-arena-matches");
  const labels = baseLabels("match-namespace");
  return [
    namespaceObject(namespace, labels, { enforce: "restricted", audit: "restricted", warn: "restricted" }),
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "deny-all", namespace, labels },
      // An empty podSelector selects every pod; listing both policy types with no rules denies all traffic.
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "matches", namespace, labels },
      spec: {
        hard: {
          pods: String(options.maxMatchPods ?? 20),
          "requests.cpu": options.cpu ?? "50",
          "limits.cpu": options.cpu ?? "50",
          "requests.memory": options.memory ?? "40Gi",
          "limits.memory": options.memory ?? "40Gi",
          "count/jobs.batch": String((options.maxMatchPods ?? 20) * 3),
          "count/configmaps": "4",
          "count/secrets": "4",
          "services": "0",
          "persistentvolumeclaims": "0",
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "match-containers", namespace, labels },
      spec: {
        limits: [
          {
            type: "Container",
            _default: { cpu: "500m", memory: "256Mi", "ephemeral-storage": "64Mi" },
            defaultRequest: { cpu: "500m", memory: "256Mi", "ephemeral-storage": "64Mi" },
            max: { cpu: "2", memory: "2Gi", "ephemeral-storage": "256Mi" },
            min: { cpu: "10m", memory: "16Mi" },
          },
        ],
      },
    },
  ];
}

export interface BuildNamespaceOptions {
  namespace?: string;
  /** Label selector of the worker pods that serve build contexts (build_context.ts). */
  workerPodLabels?: Record<string, string>;
  /** Namespace the workers run in. */
  platformNamespace?: string;
  /** Port the workers serve build contexts on. */
  contextPort?: number;
}

/**
 * The build namespace: "baseline" Pod Security (Kaniko runs as root), no ingress, egress only
 * to DNS, to the workers' build-context port, and to registries over HTTPS.
 */
export function buildBuildNamespaceObjects(options: BuildNamespaceOptions = {}): NamespaceObject[] {
  const namespace = checkNamespace(options.namespace ?? "rl-arena-builds");
  const platformNamespace = checkNamespace(options.platformNamespace ?? "rl-arena");
  const labels = baseLabels("build-namespace");
  return [
    namespaceObject(namespace, labels, { enforce: "baseline", warn: "restricted" }),
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "build-egress", namespace, labels },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        egress: [
          { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": platformNamespace } },
                podSelector: { matchLabels: options.workerPodLabels ?? { "app.kubernetes.io/name": "rl-arena", "app.kubernetes.io/component": "worker" } },
              },
            ],
            ports: [{ protocol: "TCP", port: options.contextPort ?? 8081 }],
          },
          { ports: [{ protocol: "TCP", port: 443 }] },
        ],
      },
    },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "builds", namespace, labels },
      spec: { hard: { pods: "4", "requests.cpu": "4", "limits.cpu": "8", "requests.memory": "4Gi", "limits.memory": "8Gi", services: "0" } },
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "build-containers", namespace, labels },
      spec: {
        limits: [
          {
            type: "Container",
            _default: { cpu: "500m", memory: "512Mi" },
            defaultRequest: { cpu: "100m", memory: "128Mi" },
            max: { cpu: "2", memory: "2Gi" },
          },
        ],
      },
    },
  ];
}
