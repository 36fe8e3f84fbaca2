/**
 * Step timelines (issue 14): the worker takes the referee's `timing` out of the public replay
 * (storedReplay), record_match_timings puts each seat's part on its log row, and
 * GET /matches/:id/logs gives it to the seat's owner (both seats to an admin), nobody else.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { gunzipSync, gzipSync } from "node:zlib";
import type { ReplayTiming } from "rl-arena-env";
import { storedReplay } from "../src/jobs/replay_storage.ts";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";
import { playFinishedMatch } from "./helpers/api_matches.ts";

let h: ApiHarness;
let matchId: string;
let seatOf: Record<string, number>;
const users: Record<string, { token: string; user: { id: string } }> = {};

const timing: ReplayTiming = {
  step_timeout_ms: 1000,
  time_bank_ms: 60000,
  seats: [
    { init_ms: 80, init_lines: 1, ms: [3, 1200, 4], bank_ms: [60000, 59800, 59800], lines: [2, 2, 5] },
    { init_ms: 90, init_lines: 0, ms: [5, 6, 7], bank_ms: [60000, 60000, 60000], lines: [0, 0, 0] },
  ],
};

test.before(async () => {
  h = await createApiHarness();
  // One rated match, not a seat-swapped pair (on by default for pong since migration 0017): these tests read that one match.
  await h.db.sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`;
  for (const name of ["alice", "bob", "carol", "root"]) users[name] = await h.register(name);
  await h.db.sql`update users set role = 'admin' where id = ${users.root!.user.id}`;
  const make = async (token: string, name: string) =>
    (await (await h.call("POST", "/agents", { token, body: { name, environmentId: "pong" } })).json()).agent.id as string;
  const a = await make(users.alice!.token, "Lefty");
  const b = await make(users.bob!.token, "Righty");
  await h.db.sql`select create_builtin_submission(${a}, 'pong-tracker')`;
  await h.db.sql`select create_builtin_submission(${b}, 'pong-tracker')`;
  ({ matchId } = await playFinishedMatch(h.db.sql));
  const [m] = await h.db.sql`select player0_agent_id from matches where id = ${matchId}`;
  seatOf = m!.player0_agent_id === a ? { alice: 0, bob: 1 } : { alice: 1, bob: 0 };
});
test.after(async () => {
  await h.close();
});

test("storedReplay takes the timeline out of the replay it stores", () => {
  const replay = JSON.parse(JSON.stringify({ schema_version: 1, whatever: true, timing }));
  const { gzip, timing: apart } = storedReplay(gzipSync(JSON.stringify(replay)));
  assert.equal(apart, timing);
  assert.equal(JSON.parse(gunzipSync(gzip).toString()), { schema_version: 1, whatever: true });
  assert.is(storedReplay(gzipSync(JSON.stringify({ schema_version: 1 }))).timing, null);
});

test("record_match_timings puts each seat's timeline, with the limits, on its log row", async () => {
  const [{ n }] = await h.db.sql`select record_match_timings(${matchId}, ${h.db.sql.json(timing as never)}) as n`;
  assert.is(n, 2);
  const rows = await h.db.sql`select seat, timing from match_logs where match_id = ${matchId} order by seat`;
  assert.equal(rows.map((r) => r.timing), timing.seats.map((s) => ({ step_timeout_ms: 1000, time_bank_ms: 60000, ...s })));
  try {
    await h.db.sql`select record_match_timings(${matchId}, '{"seats": 3}'::jsonb)`;
    assert.unreachable("a malformed timeline was accepted");
  } catch (error) {
    assert.match((error as Error).message, /must be \{step_timeout_ms, time_bank_ms, seats: \[\.\.\.\]\}/);
  }
});

test("GET /matches/:id/logs gives the owner their seat's timeline, an admin both, others nothing", async () => {
  const logs = async (who: string) => h.call("GET", `/matches/${matchId}/logs`, { token: users[who]!.token });
  const alice = await (await logs("alice")).json();
  assert.is(alice.logs.length, 1);
  assert.is(alice.logs[0].seat, seatOf.alice);
  assert.equal(alice.logs[0].timing.ms, timing.seats[seatOf.alice!]!.ms);
  const root = await (await logs("root")).json();
  assert.equal(root.logs.map((l: { timing: { init_ms: number } }) => l.timing.init_ms), [80, 90]);
  assert.is((await logs("carol")).status, 403);
});

test("the HTML download carries the downloader's own seats' logs and timelines, and nobody else's", async () => {
  const optionsOf = async (token?: string) => {
    const res = await h.call("GET", `/matches/${matchId}/replay?format=html`, token ? { token } : {});
    assert.is(res.status, 200);
    if (token) assert.is(res.headers.get("cache-control"), token === users.carol!.token ? null : "private, no-store");
    const html = await res.text();
    const call = /RlArenaPlayer\.mountReplayPlayer\(document\.getElementById\("player"\), JSON\.parse\(document\.getElementById\("replay-data"\)\.textContent\), (\{.*\})\);<\/script>/.exec(html);
    assert.ok(call, "the mount call");
    return JSON.parse(call![1]!);
  };
  const alice = await optionsOf(users.alice!.token);
  assert.equal(alice.debug.seats.map((s: { seat: number }) => s.seat), [seatOf.alice]);
  assert.is(alice.debug.seats[0].log, "seat " + seatOf.alice + " says hello\n");
  assert.equal(alice.debug.seats[0].timing.ms, timing.seats[seatOf.alice!]!.ms);
  assert.is((await optionsOf(users.root!.token)).debug.seats.length, 2, "an admin's download has both seats");
  assert.is((await optionsOf(users.carol!.token)).debug, undefined);
  assert.is((await optionsOf()).debug, undefined);
});

test.run();
