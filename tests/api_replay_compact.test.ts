/**
 * Replays as the platform stores and serves them: storedReplayGzip keeps the compact form
 * (the match worker's step before finish_match), format=compact sends the stored bytes, and
 * format=json / format=html rebuild every frame on demand; older frame replays still serve
 * under every format. A compact replay the server cannot rebuild is a 409 naming the version.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { gunzipSync, gzipSync } from "node:zlib";
import { builtinAgents, playEpisode, type Replay } from "rl-arena-env";
import { storedReplayGzip } from "../src/jobs/replay_storage.ts";
import { gameScore } from "../src/web/pages/game_score.ts";
import { createApiHarness, type ApiHarness } from "./helpers/web.ts";
import { playFinishedMatch } from "./helpers/api_matches.ts";

let h: ApiHarness;
let matchId: string;
let replay: Replay;
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v));

test.before(async () => {
  h = await createApiHarness();
  const alice = await h.register("alice");
  const bob = await h.register("bob");
  const make = async (token: string, name: string) =>
    (await (await h.call("POST", "/agents", { token, body: { name, environmentId: "pong" } })).json()).agent.id as string;
  const a = await make(alice.token, "Lefty");
  const b = await make(bob.token, "Righty");
  await h.db.sql`select create_builtin_submission(${a}, 'pong-tracker')`;
  await h.db.sql`select create_builtin_submission(${b}, 'pong-tracker')`;
  ({ matchId, replay } = await playFinishedMatch(h.db.sql));
});
test.after(async () => {
  await h.close();
});

const get = (format: string, encoding = "identity") => h.call("GET", `/matches/${matchId}/replay?format=${format}`, { headers: { "accept-encoding": encoding } });

test("storedReplayGzip: a 1000-step pong replay is stored compact, 20× smaller; an unrepeatable one keeps its frames", () => {
  const full = playEpisode({ env: "pong", config: { max_steps: 1000 }, seed: 9, policies: [builtinAgents["pong-tracker"].act, builtinAgents["pong-random"].act] });
  const frames = gzipSync(JSON.stringify(full));
  const stored = storedReplayGzip(frames);
  assert.is(JSON.parse(gunzipSync(stored).toString()).schema_version, 2);
  assert.ok(frames.length / stored.length >= 20, `${frames.length} B → ${stored.length} B`);
  const odd = roundTrip(full);
  (odd.steps[500].render as { ball: { y: number } }).ball.y = 0.5;
  const oddGzip = gzipSync(JSON.stringify(odd));
  assert.is(storedReplayGzip(oddGzip), oddGzip, "frames the environment does not reproduce are stored as they came");
  const junk = gzipSync("not json");
  assert.is(storedReplayGzip(junk), junk);
});

test("an older frame replay serves as frames under json and compact", async () => {
  for (const format of ["json", "compact"]) {
    const res = await get(format);
    assert.is(res.status, 200, format);
    assert.equal(await res.json(), roundTrip(replay), format);
  }
});

test("a stored compact replay: format=compact sends the stored bytes, format=json the rebuilt frames", async () => {
  const [{ data }] = await h.db.sql`select data from replays where match_id = ${matchId}`;
  await h.db.sql`update replays set data = ${storedReplayGzip(data)} where match_id = ${matchId}`;
  const [{ data: stored }] = await h.db.sql`select data from replays where match_id = ${matchId}`;
  assert.is(JSON.parse(gunzipSync(stored).toString()).schema_version, 2, "stored compact");

  const compact = await get("compact", "gzip");
  assert.is(compact.status, 200);
  assert.is(compact.headers.get("content-encoding"), "gzip");
  assert.is(compact.headers.get("content-disposition"), `attachment; filename="replay_${matchId}.compact.json"`);
  assert.ok(Buffer.from(await compact.arrayBuffer()).equals(Buffer.from(stored)), "the stored bytes as they are");

  const plain = await get("json");
  assert.is(plain.headers.get("content-encoding"), null);
  assert.equal(await plain.json(), roundTrip(replay), "every frame, rebuilt");
  const zipped = await get("json", "gzip, br");
  assert.is(zipped.headers.get("content-encoding"), "gzip");
  assert.equal(JSON.parse(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString()), roundTrip(replay));

  const html = await (await get("html")).text();
  const embedded = /<script type="application\/json" id="replay-data">([\s\S]*?)<\/script>/.exec(html);
  assert.equal(JSON.parse(embedded![1]!), roundTrip(replay), "the HTML player gets the frames");
});

test("the match header's game score reads pong's points from a compact replay's rebuilt last frame", async () => {
  const points = (replay.steps.at(-1)!.render as { scores: number[] }).scores.map(String);
  const match = { id: matchId, status: "completed", winnerSeat: replay.result.winner } as Parameters<typeof gameScore>[1];
  assert.equal(await gameScore(h.db.sql, match), points);
});

test("the match page re-simulates a completed match's replay once per process, not on every view", async () => {
  const points = (replay.steps.at(-1)!.render as { scores: number[] }).scores.map(String);
  const match = { id: matchId, status: "completed", winnerSeat: replay.result.winner } as Parameters<typeof gameScore>[1];
  assert.equal(await gameScore(h.db.sql, match), points);
  const [{ data }] = await h.db.sql`select data from replays where match_id = ${matchId}`;
  // Were the replay read again, this unreadable one would give the result-based score ("1 : 0").
  await h.db.sql`update replays set data = ${gzipSync("not a replay")} where match_id = ${matchId}`;
  try {
    assert.equal(await gameScore(h.db.sql, match), points, "the second view uses the points already read");
  } finally {
    await h.db.sql`update replays set data = ${data} where match_id = ${matchId}`;
  }
});

test("a compact replay of an environment version this server lacks is a 409 naming it; its compact form still downloads", async () => {
  const [{ data }] = await h.db.sql`select data from replays where match_id = ${matchId}`;
  const doc = JSON.parse(gunzipSync(data).toString());
  doc.environment.version = "7.0.0";
  await h.db.sql`update replays set data = ${gzipSync(JSON.stringify(doc))} where match_id = ${matchId}`;
  for (const format of ["json", "html"]) {
    const res = await get(format);
    assert.is(res.status, 409, format);
    assert.match((await res.json()).message, /cannot be rebuilt here: .*recorded on pong 7\.0\.0; rebuilding its frames needs exactly that version/);
  }
  assert.is((await get("compact")).status, 200);
  assert.is((await get("zip")).status, 400);
});

test.run();
