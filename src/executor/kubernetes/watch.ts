/**
 * Waits for a Job to finish through the client's informer (`makeInformer`), which does the
 * list-then-watch: it lists (so a Job that already finished is seen), watches from the list's
 * resourceVersion, watches again from the last version seen when the stream ends, and lists
 * again on 410 Gone (an ERROR event or an HTTP status). What it leaves to us: an informer that
 * meets any other error stops, so we start it again after a growing pause; a deadline bounds
 * the whole wait; and a Job missing from a successful list (deleted before it finished) ends it.
 *
 * It is `makeInformer` (a ListWatch) built by hand for one reason: after a list, the informer
 * opens its next watch even when a callback of that list stopped it, and that request would stay
 * open until the API server ends it (tests/k8s_client: one watch only). Our Watch opens nothing
 * once the wait is over.
 */
import { BatchV1Api, ListWatch, Watch, type KubeConfig, type V1Job } from "@kubernetes/client-node";
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

/** A Watch that, once closed, opens no more requests (it hands back an already-aborted controller). */
class ClosableWatch extends Watch {
  closed = false;
  override watch(...args: Parameters<Watch["watch"]>): Promise<AbortController> {
    if (!this.closed) return super.watch(...args);
    const c = new AbortController();
    c.abort();
    return Promise.resolve(c);
  }
}

export function waitForJob(kc: KubeConfig, options: WaitOptions): Promise<JobEnd> {
  const { namespace, name, labelSelector, log, signal } = options;
  const batch = kc.makeApiClient(BatchV1Api);
  let listed = 0; // successful lists so far: after one, a Job absent from the cache is gone
  const watch = new ClosableWatch(kc);
  const informer = new ListWatch<V1Job>(`/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs`, watch, async () => {
    const list = await batch.listNamespacedJob({ namespace, labelSelector });
    listed++;
    return list;
  }, false, labelSelector);

  return new Promise<JobEnd>((resolve, reject) => {
    let settled = false;
    let failures = 0;
    let retry: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(retry);
      signal?.removeEventListener("abort", onAbort);
      watch.closed = true;
      void informer.stop();
      outcome();
    };
    const onAbort = () => finish(() => reject(signal!.reason ?? new Error("aborted")));
    const deadline = setTimeout(() => finish(() => reject(new WatchTimeoutError(`Job ${name} did not finish within ${Math.round(options.deadlineMs / 1000)} s`))), options.deadlineMs);
    const seen = (job: V1Job) => {
      if (job.metadata?.name !== name) return;
      failures = 0;
      const done = jobEnd(job);
      if (done) finish(() => resolve(done));
    };
    const start = () => {
      const before = listed;
      informer.start().then(() => {
        // start() resolves once it has listed (or failed to) and opened the watch.
        if (listed > before && !settled && !informer.get(name, namespace)) {
          finish(() => reject(new Error(`Job ${name} is gone from namespace ${namespace} (deleted before it finished)`)));
        }
      }, (e: unknown) => onError(e));
    };
    const onError = (e: unknown) => {
      if (settled) return;
      failures++;
      log?.warn("listing or watching Jobs failed, starting again", { job: name, error: e as Error, failures });
      clearTimeout(retry);
      retry = setTimeout(start, Math.min(5000, 250 * 2 ** failures));
    };
    informer.on("add", seen);
    informer.on("update", seen);
    informer.on("delete", (job) => {
      if (job.metadata?.name === name) finish(() => reject(new Error(`Job ${name} was deleted before it finished`)));
    });
    informer.on("error", onError);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort);
    start();
  });
}
