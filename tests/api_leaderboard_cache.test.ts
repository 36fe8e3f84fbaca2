import { test } from "uvu";
import * as assert from "uvu/assert";
import { staleWhileRevalidate } from "../src/web/api/leaderboard.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("concurrent first requests for a page share one load", async () => {
  const cache = staleWhileRevalidate(50);
  let loads = 0;
  const load = async () => { loads++; await sleep(10); return `v${loads}`; };
  const bodies = await Promise.all([cache("k", load), cache("k", load), cache("k", load)]);
  assert.equal(bodies, ["v1", "v1", "v1"]);
  assert.is(loads, 1);
});

test("a stale page is served at once while exactly one refresh runs, then the fresh one", async () => {
  const cache = staleWhileRevalidate(20);
  let loads = 0;
  const load = async () => { loads++; await sleep(30); return `v${loads}`; };
  assert.is(await cache("k", load), "v1");
  await sleep(25); // now stale
  const started = Date.now();
  const during = await Promise.all([cache("k", load), cache("k", load)]);
  assert.ok(Date.now() - started < 20, "stale bodies come back without waiting for the refresh");
  assert.equal(during, ["v1", "v1"]);
  assert.is(loads, 2, "one refresh for both stale requests");
  await sleep(40);
  assert.is(await cache("k", load), "v2");
});

test("a failed first load is not cached; a failed refresh keeps the last good page", async () => {
  const cache = staleWhileRevalidate(10);
  let fail = true;
  const load = async () => { if (fail) throw new Error("database down"); return "ok"; };
  await cache("k", load).then(() => assert.unreachable("must fail"), (e: Error) => assert.is(e.message, "database down"));
  fail = false;
  assert.is(await cache("k", load), "ok", "the error was not cached");
  fail = true;
  await sleep(15);
  assert.is(await cache("k", load), "ok", "stale good page while the refresh fails");
  await sleep(5);
  assert.is(await cache("k", load), "ok", "still the last good page after the failed refresh");
});

test.run();
