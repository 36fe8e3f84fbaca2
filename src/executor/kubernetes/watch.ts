/**
 * Waits for a Job to finish by watching it: list (to get a resourceVersion and catch a Job
 * that already finished), then watch from that version; on 410 Gone (the version is too old,
 * as an ERROR event or an HTTP status), on the end of the stream, or on a connection error,
 * list again and watch again. A deadline bounds the whole wait.
 */
import { BatchV1Api, Watch, type KubeConfig, type V1Job } from "@kubernetes/client-node";
import type { Logger } from "../../log.ts";

export type JobEnd = { state: "succeeded" | "failed"; job: V1Job; reason: string };

export class WatchTimeoutError extends Error {
  override name = "WatchTimeoutError";
}

export interface WaitOptions {
  namespace: string;
  name: string;
  labelSelector: string;
  deadlineMs: number;
  /** Server-side timeout of each watch request; the API server ends the stream after it. */
  watchTimeoutS?: number;
  log?: Logger;
  signal?: AbortSignal;
}

/** The state of a Job, or null while it runs. */
export function jobEnd(job: V1Job): JobEnd | null {
  const s = job.status ?? {};
  const cond = (type: string) => s.conditions?.find((c) => c.type === type && c.status === "True");
  const failed = cond("Failed");
  if ((s.failed ?? 0) > 0 || failed) {
    return { state: "failed", job, reason: failed ? `${failed.reason ?? "Failed"}: ${failed.message ?? ""}`.trim() : "a pod of the Job failed" };
  }
  if ((s.succeeded ?? 0) > 0 || cond("Complete")) return { state: "succeeded", job, reason: "Complete" };
  return null;
}

export async function waitForJob(kc: KubeConfig, options: WaitOptions): Promise<JobEnd> {
  const batch = kc.makeApiClient(BatchV1Api);
  const watch = new Watch(kc);
  const path = `/apis/batch/v1/namespaces/${encodeURIComponent(options.namespace)}/jobs`;
  const end = Date.now() + options.deadlineMs;
  let failures = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    if (Date.now() >= end) throw new WatchTimeoutError(`Job ${options.name} did not finish within ${Math.round(options.deadlineMs / 1000)} s`);
    let resourceVersion: string | undefined;
    try {
      const list = await batch.listNamespacedJob({ namespace: options.namespace, labelSelector: options.labelSelector });
      const job = list.items.find((j) => j.metadata?.name === options.name);
      if (!job) throw new Error(`Job ${options.name} is gone from namespace ${options.namespace} (deleted before it finished)`);
      const done = jobEnd(job);
      if (done) return done;
      resourceVersion = list.metadata?.resourceVersion;
      failures = 0;
    } catch (e) {
      if ((e as Error).message.includes("is gone from namespace")) throw e;
      failures++;
      options.log?.warn("listing Jobs failed, retrying", { job: options.name, error: e as Error, failures });
      await pause(Math.min(5000, 250 * 2 ** failures), end);
      continue;
    }
    const outcome = await watchOnce(watch, path, options, resourceVersion, end);
    if (outcome.kind === "done") return outcome.end;
    if (outcome.kind === "deleted") throw new Error(`Job ${options.name} was deleted before it finished`);
    if (outcome.kind === "error") {
      failures++;
      options.log?.warn("watching Jobs failed, listing again", { job: options.name, error: outcome.error, failures });
      await pause(Math.min(5000, 250 * 2 ** failures), end);
    } else {
      options.log?.debug("Job watch ended, listing again", { job: options.name, why: outcome.kind });
    }
  }
}

type WatchOutcome =
  | { kind: "done"; end: JobEnd }
  | { kind: "deleted" }
  | { kind: "gone" }
  | { kind: "ended" }
  | { kind: "timeout" }
  | { kind: "error"; error: Error };

function watchOnce(watch: Watch, path: string, options: WaitOptions, resourceVersion: string | undefined, end: number): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve) => {
    let settled = false;
    let controller: AbortController | undefined;
    const finish = (o: WatchOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      controller?.abort();
      resolve(o);
    };
    const onAbort = () => finish({ kind: "error", error: new Error("aborted") });
    options.signal?.addEventListener("abort", onAbort);
    const timer = setTimeout(() => finish({ kind: "timeout" }), Math.max(0, end - Date.now()));
    const query: Record<string, string | number | boolean> = {
      labelSelector: options.labelSelector,
      allowWatchBookmarks: true,
      timeoutSeconds: options.watchTimeoutS ?? 60,
    };
    if (resourceVersion) query.resourceVersion = resourceVersion;
    watch
      .watch(
        path,
        query,
        (type: string, obj: V1Job & { code?: number; reason?: string; message?: string }) => {
          if (type === "ERROR") {
            // A Status object: 410 Gone means our resourceVersion is too old; list again.
            if (obj.code === 410) finish({ kind: "gone" });
            else finish({ kind: "error", error: new Error(`watch error ${obj.code ?? "?"} ${obj.reason ?? ""}: ${obj.message ?? ""}`) });
            return;
          }
          if (obj.metadata?.name !== options.name) return;
          if (type === "DELETED") return finish({ kind: "deleted" });
          const done = jobEnd(obj);
          if (done) finish({ kind: "done", end: done });
        },
        (err: unknown) => {
          if (!err) return finish({ kind: "ended" });
          const status = (err as { statusCode?: number }).statusCode;
          if (status === 410) return finish({ kind: "gone" });
          finish({ kind: "error", error: err instanceof Error ? err : new Error(String(err)) });
        },
      )
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      })
      .catch((e: unknown) => finish({ kind: "error", error: e instanceof Error ? e : new Error(String(e)) }));
  });
}

function pause(ms: number, end: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, end - Date.now()))));
}
