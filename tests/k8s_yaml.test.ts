/**
 * Every YAML document under k8s/ parses and validates against the Kubernetes schemas
 * (kubernetes-models 4.5.1); the kustomization lists every base file; the namespace files
 * agree with the builders the worker uses; and the Deployments carry their probes, scrape
 * annotations and security settings.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as k8s from "@kubernetes/client-node";
import yaml from "js-yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildBuildNamespaceObjects, buildMatchNamespaceObjects } from "../src/executor/kubernetes/namespace.ts";
import { PROJECT_ROOT } from "../src/paths.ts";

type Doc = Record<string, any>;
const K8S = join(PROJECT_ROOT, "k8s");
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "v1/ConfigMap": ConfigMap,
  "v1/LimitRange": LimitRange,
  "v1/Namespace": Namespace,
  "v1/ResourceQuota": ResourceQuota,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
}
const docs = (file: string) => (yaml.loadAll(readFileSync(file, "utf8")) as Doc[]).filter(Boolean);
const all = yamlFiles(K8S).flatMap((f) => docs(f).map((d) => ({ file: relative(K8S, f), doc: d })));
const find = (kind: string, name: string) => all.find((x) => x.doc.kind === kind && x.doc.metadata?.name === name)?.doc;

test("every Kubernetes object under k8s/ validates against its schema", () => {
  // Setup
  const checked: string[] = [];
  // Action + Assertions
  for (const { file, doc } of all) {
    if (doc.kind === "Kustomization" || doc.kind === "ServiceMonitor") continue; // not in kubernetes-models; checked below
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    assert.ok(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
    try {
      new Model(doc).validate();
    } catch (e) {
      assert.unreachable(`${file} ${doc.kind}/${doc.metadata?.name}: ${(e as Error).message}`);
    }
    checked.push(`${doc.kind}/${doc.metadata.name}`);
  }
  assert.ok(checked.length >= 20, `only ${checked.length} objects checked`);
});

test("the kustomization lists exactly the files of the base", () => {
  // Setup
  const kustomization = docs(join(K8S, "base", "kustomization.yaml"))[0];
  const files = readdirSync(join(K8S, "base")).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").sort();
  // Assertions
  assert.is(kustomization.apiVersion, "kustomize.config.k8s.io/v1beta1");
  assert.is(kustomization.kind, "Kustomization");
  assert.equal([...kustomization.resources].sort(), files);
  assert.equal(kustomization.images.map((i: Doc) => i.name), ["rl-arena"]);
});

test("the match and build namespace files are exactly what the builders produce", () => {
  // Setup
  const wire = (o: object) => yaml.load(k8s.dumpYaml(o));
  // Assertions
  assert.equal(docs(join(K8S, "base", "match-namespace.yaml")), buildMatchNamespaceObjects().map(wire));
  assert.equal(docs(join(K8S, "base", "build-namespace.yaml")), buildBuildNamespaceObjects().map(wire));
});

test("web and worker run the same image with their role, probes on /health and /ready, scrape annotations and a locked-down context", () => {
  for (const [name, role, port] of [["rl-arena-web", "web", "3000"], ["rl-arena-worker", "worker", "9464"]] as const) {
    // Setup
    const d = find("Deployment", name)!;
    const pod = d.spec.template;
    const [c] = pod.spec.containers;
    // Assertions
    assert.is(c.image, "rl-arena", `${name} uses the kustomize image`);
    assert.ok(c.env.some((e: Doc) => e.name === "ROLE" && e.value === role), `${name} ROLE`);
    assert.equal(c.envFrom, [{ configMapRef: { name: "rl-arena" } }, { secretRef: { name: "rl-arena" } }]);
    assert.is(c.livenessProbe.httpGet.path, "/health");
    assert.is(c.readinessProbe.httpGet.path, "/ready");
    assert.is(pod.metadata.annotations["prometheus.io/scrape"], "true");
    assert.is(pod.metadata.annotations["prometheus.io/path"], "/metrics");
    assert.is(pod.metadata.annotations["prometheus.io/port"], port);
    assert.ok(c.ports.some((p: Doc) => String(p.containerPort) === port), `${name} exposes ${port}`);
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
    assert.is(pod.spec.securityContext.runAsNonRoot, true);
    assert.is(pod.spec.securityContext.seccompProfile.type, "RuntimeDefault");
    assert.is(c.securityContext.readOnlyRootFilesystem, true);
    assert.is(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.capabilities.drop, ["ALL"]);
  }
  assert.is(find("ConfigMap", "rl-arena")!.data.EXECUTOR, "kubernetes");
  assert.is(find("Job", "rl-arena-migrate")!.spec.template.spec.containers[0].args.at(-1), "src/migrate_main.ts");
});

test("the worker's rights are Jobs, Pods and Pod logs in the match and build namespaces only", () => {
  // Setup
  const roles = all.filter((x) => x.doc.kind === "Role" || x.doc.kind === "ClusterRole").map((x) => x.doc);
  const bindings = all.filter((x) => /RoleBinding$/.test(x.doc.kind)).map((x) => x.doc);
  // Assertions
  assert.equal(roles.map((r) => `${r.kind}/${r.metadata.namespace}`).sort(), ["Role/rl-arena-builds", "Role/rl-arena-matches"]);
  for (const r of roles) {
    assert.equal(r.rules, [
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    ]);
  }
  for (const b of bindings) {
    assert.is(b.kind, "RoleBinding");
    assert.equal(b.subjects, [{ kind: "ServiceAccount", name: "rl-arena-worker", namespace: "rl-arena" }]);
  }
  assert.is(find("ServiceAccount", "rl-arena-web")!.automountServiceAccountToken, false);
});

test("the ServiceMonitor example scrapes /metrics on the web and worker ports with the bearer token", () => {
  // Setup
  const sm = find("ServiceMonitor", "rl-arena")!;
  const ports = new Set(all.filter((x) => x.doc.kind === "Service").flatMap((x) => x.doc.spec.ports.map((p: Doc) => p.name)));
  // Assertions
  assert.is(sm.apiVersion, "monitoring.coreos.com/v1");
  assert.equal(sm.spec.selector, { matchLabels: { "app.kubernetes.io/name": "rl-arena" } });
  for (const e of sm.spec.endpoints) {
    assert.is(e.path, "/metrics");
    assert.ok(ports.has(e.port), `a Service has a port named ${e.port}`);
    assert.is(e.authorization.type, "Bearer");
  }
});

test.run();
