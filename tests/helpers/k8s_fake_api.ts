/**
 * A fake Kubernetes API server (node:http) that speaks the endpoints the executor uses, with
 * the real paths, query strings, status codes and body shapes:
 *   POST   /apis/batch/v1/namespaces/{ns}/jobs                         201 | 409 AlreadyExists | 422 (scripted)
 *   GET    /apis/batch/v1/namespaces/{ns}/jobs?labelSelector=…         JobList with metadata.resourceVersion
 *   GET    /apis/batch/v1/namespaces/{ns}/jobs?watch=true&…            JSON lines, one watch event each
 *   GET    /apis/batch/v1/namespaces/{ns}/jobs/{name}                  Job | 404
 *   DELETE /apis/batch/v1/namespaces/{ns}/jobs/{name}?propagationPolicy=…  Status | 404
 *   GET    /api/v1/namespaces/{ns}/pods?labelSelector=…                PodList
 *   GET    /api/v1/namespaces/{ns}/pods/{name}/log?container=…         text/plain
 * Each watch request is answered by the next scripted step; every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig, type V1Job, type V1Pod } from "@kubernetes/client-node";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Raw query string, in the order the client sent it. */
  search: string;
  body: unknown;
}

/** What one watch request does. */
export type WatchStep =
  | { events: Array<{ type: string; object: unknown }>; then: "end" | "hold" }
  | { httpStatus: number };

export interface FakeApi {
  url: string;
  kubeConfig: KubeConfig;
  requests: RecordedRequest[];
  jobs: Map<string, V1Job>;
  /**
   * Scripted answers to watch requests, consumed in order (functions run when the request
   * arrives; a function may return a promise, and the watch stays open until it settles);
   * when empty, the watch stays open.
   */
  watchSteps: Array<WatchStep | (() => WatchStep | Promise<WatchStep>)>;
  /** Called with each Job the fake accepted. */
  onCreate?: (job: V1Job) => void;
  /** Called when a Job is created; may set `onCreateStatus` to refuse it. */
  onCreateStatus?: { code: number; reason: string; message: string };
  /** Pods per namespace; the test fills them when it "finishes" a Job. */
  pods: Map<string, V1Pod[]>;
  /** Container logs by `${pod}/${container}`. */
  logs: Map<string, string>;
  /** Sets a Job's status and bumps its resourceVersion; returns the updated Job. */
  setStatus(namespace: string, name: string, status: V1Job["status"]): V1Job;
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });

export async function startFakeApi(): Promise<FakeApi> {
  let version = 100;
  const open = new Set<ServerResponse>();
  const api: FakeApi = {
    url: "",
    kubeConfig: new KubeConfig(),
    requests: [],
    jobs: new Map(),
    watchSteps: [],
    pods: new Map(),
    logs: new Map(),
    setStatus(namespace, name, st) {
      const job = api.jobs.get(`${namespace}/${name}`);
      if (!job) throw new Error(`no Job ${namespace}/${name}`);
      job.status = st;
      job.metadata!.resourceVersion = String(++version);
      return structuredClone(job);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of open) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? JSON.parse(raw) : undefined;
    api.requests.push({ method: req.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams), search: url.search, body });
    const json = (code: number, value: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const m = {
      jobs: /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/.exec(url.pathname),
      job: /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/.exec(url.pathname),
      pods: /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname),
      log: /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname),
    };
    const selected = (ns: string) => {
      const sel = url.searchParams.get("labelSelector");
      const [k, v] = sel ? sel.split("=") : [];
      return [...api.jobs.values()].filter((j) => j.metadata!.namespace === ns && (!sel || j.metadata!.labels?.[k] === v));
    };

    if (req.method === "POST" && m.jobs) {
      if (api.onCreateStatus) return json(api.onCreateStatus.code, status(api.onCreateStatus.code, api.onCreateStatus.reason, api.onCreateStatus.message));
      const job = body as V1Job;
      const key = `${m.jobs[1]}/${job.metadata!.name}`;
      if (api.jobs.has(key)) return json(409, status(409, "AlreadyExists", `jobs.batch "${job.metadata!.name}" already exists`));
      job.metadata!.namespace = m.jobs[1];
      job.metadata!.uid = `uid-${job.metadata!.name}`;
      job.metadata!.resourceVersion = String(++version);
      job.status = {};
      api.jobs.set(key, job);
      api.onCreate?.(structuredClone(job));
      return json(201, job);
    }
    if (req.method === "GET" && m.jobs && url.searchParams.get("watch") !== "true") {
      return json(200, { kind: "JobList", apiVersion: "batch/v1", metadata: { resourceVersion: String(version) }, items: selected(m.jobs[1]) });
    }
    if (req.method === "GET" && m.jobs) {
      const next = api.watchSteps.shift();
      const step = typeof next === "function" ? await next() : next;
      if (res.destroyed || res.writableEnded) return; // the client gave up while the step was pending
      if (step && "httpStatus" in step) return json(step.httpStatus, status(step.httpStatus, "Expired", "too old resource version"));
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      open.add(res);
      res.on("close", () => open.delete(res));
      for (const e of step?.events ?? []) res.write(JSON.stringify(e) + "\n");
      if (step?.then === "end") res.end();
      return;
    }
    if (req.method === "GET" && m.job) {
      const job = api.jobs.get(`${m.job[1]}/${m.job[2]}`);
      return job ? json(200, job) : json(404, status(404, "NotFound", `jobs.batch "${m.job[2]}" not found`));
    }
    if (req.method === "DELETE" && m.job) {
      const key = `${m.job[1]}/${m.job[2]}`;
      if (!api.jobs.delete(key)) return json(404, status(404, "NotFound", `jobs.batch "${m.job[2]}" not found`));
      return json(200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: m.job[2], group: "batch", kind: "jobs" } });
    }
    if (req.method === "GET" && m.pods) {
      const sel = url.searchParams.get("labelSelector");
      const [k, v] = sel ? sel.split("=") : [];
      const items = (api.pods.get(m.pods[1]) ?? []).filter((p) => !sel || p.metadata?.labels?.[k] === v);
      return json(200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: String(version) }, items });
    }
    if (req.method === "GET" && m.log) {
      const text = api.logs.get(`${m.log[2]}/${url.searchParams.get("container")}`);
      if (text === undefined) return json(400, status(400, "BadRequest", "container not found"));
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end(text);
    }
    json(404, status(404, "NotFound", `the fake API server has no route for ${req.method} ${url.pathname}`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.kubeConfig.loadFromOptions({
    clusters: [{ name: "fake", server: api.url, skipTLSVerify: true }],
    users: [{ name: "worker", token: "fake-token" }],
    contexts: [{ name: "fake", cluster: "fake", user: "worker", namespace: "rl-arena" }],
    currentContext: "fake",
  });
  return api;
}

/** A pod of `job` as the Job controller and kubelet would report it after it ran. */
export function finishedPod(job: V1Job, containers: Array<{ name: string; exitCode: number; message?: string; init?: boolean }>): V1Pod {
  const state = (c: { exitCode: number; message?: string }) => ({
    terminated: { exitCode: c.exitCode, reason: c.exitCode === 0 ? "Completed" : "Error", message: c.message, startedAt: new Date(), finishedAt: new Date(), containerID: "containerd://x" },
  });
  const name = `${job.metadata!.name}-x7k2p`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: job.metadata!.namespace,
      labels: { ...job.spec!.template.metadata!.labels, "batch.kubernetes.io/job-name": job.metadata!.name!, "job-name": job.metadata!.name! },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: job.metadata!.name!, uid: job.metadata!.uid!, controller: true }],
    },
    spec: job.spec!.template.spec!,
    status: {
      phase: containers.every((c) => c.exitCode === 0) ? "Succeeded" : "Failed",
      containerStatuses: containers.filter((c) => !c.init).map((c) => ({ name: c.name, image: "x", imageID: "x", ready: false, restartCount: 0, state: state(c) })),
      initContainerStatuses: containers.filter((c) => c.init).map((c) => ({ name: c.name, image: "x", imageID: "x", ready: false, restartCount: 0, state: state(c) })),
    },
  };
}
