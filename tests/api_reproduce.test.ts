/**
 * Local reproduction of a platform match (issue 14): GET /matches/:id/reproduce gives an agent's
 * owner their seats with the exact command; the match page shows it; and reproducing the match
 * from the replay the platform serves says "identical" for the same agent and names the right
 * step for a changed one.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { builtinAgentSpec, loadReplay, reproduceMatch, type Replay } from "rl-arena-env";
import { storedReplayGzip } from "../src/jobs/replay_storage.ts";
import { createApiHarness, viaProxy, type ApiHarness } from "./helpers/web.ts";
import { playFinishedMatch } from "./helpers/api_matches.ts";

let h: ApiHarness;
let matchId: string;
let aliceSeat: number;
let aliceAgent: string;
const users: Record<string, { token: string; user: { id: string } }> = {};

test.before(async () => {
  h = await createApiHarness();
  // One rated match, not a seat-swapped pair (on by default for pong since migration 0017): these tests read that one match.
  await h.db.sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`;
  for (const name of ["alice", "bob", "carol"]) users[name] = await h.register(name);
  const make = async (token: string, name: string) =>
    (await (await h.call("POST", "/agents", { token, body: { name, environmentId: "pong" } })).json()).agent.id as string;
  const a = await make(users.alice!.token, "Lefty");
  aliceAgent = a;
  const b = await make(users.bob!.token, "Righty");
  await h.db.sql`select create_builtin_submission(${a}, 'pong-tracker')`;
  await h.db.sql`select create_builtin_submission(${b}, 'pong-tracker')`;
  ({ matchId } = await playFinishedMatch(h.db.sql, "pong", 200));
  const [{ data }] = await h.db.sql`select data from replays where match_id = ${matchId}`;
  await h.db.sql`update replays set data = ${storedReplayGzip(data)} where match_id = ${matchId}`; // as the worker stores it
  const [m] = await h.db.sql`select player0_agent_id from matches where id = ${matchId}`;
  aliceSeat = m!.player0_agent_id === a ? 0 : 1;
});
test.after(async () => {
  await h.close();
});

test("GET /matches/:id/reproduce gives the owner their seat and the exact command; others are refused", async () => {
  const res = await h.call("GET", `/matches/${matchId}/reproduce`, { token: users.alice!.token });
  assert.is(res.status, 200);
  const body = await res.json();
  assert.is(body.environmentId, "pong");
  assert.is(body.replayUrl, `/api/v1/matches/${matchId}/replay?format=json`);
  assert.is(body.seats.length, 1);
  assert.is(body.seats[0].seat, aliceSeat);
  assert.match(body.seats[0].command, new RegExp(`^npx rl-arena-env reproduce ${matchId} --seat ${aliceSeat} \\./my-agent --platform http://[^ ]+$`));
  assert.is((await h.call("GET", `/matches/${matchId}/reproduce`, { token: users.carol!.token })).status, 403);
  assert.is((await h.call("GET", `/matches/${matchId}/reproduce`)).status, 401);
  assert.is((await h.call("GET", `/matches/00000000-0000-4000-8000-000000000000/reproduce`, { token: users.alice!.token })).status, 404);
});

test("the match page shows its owner the reproduce command for their seat", async () => {
  const get = (headers: Record<string, string>) => h.app.request(`http://arena.test/matches/${matchId}`, { headers: { "x-forwarded-for": "10.7.0.1", ...headers } }, viaProxy);
  const page = await (await get({ cookie: `session=${users.alice!.token}` })).text();
  assert.match(page, new RegExp(`<code data-seat="${aliceSeat}">npx rl-arena-env reproduce ${matchId} --seat ${aliceSeat} \\./my-agent --platform http://`));
  const visitor = await (await get({})).text();
  assert.not.match(visitor, /rl-arena-env reproduce/);
});

test("the agent page gives its owner the exact reproduce command of the latest match", async () => {
  const get = (headers: Record<string, string>) => h.app.request(`http://arena.test/agents/${aliceAgent}`, { headers: { "x-forwarded-for": "10.7.0.2", ...headers } }, viaProxy);
  const own = await (await get({ cookie: `session=${users.alice!.token}` })).text();
  assert.match(own, /id="reproduce-hint"/);
  assert.match(own, new RegExp(`href="/matches/${matchId}#match-logs"`));
  assert.match(own, new RegExp(`<code data-match="${matchId}">npx rl-arena-env reproduce ${matchId} --seat ${aliceSeat} \\./my-agent --platform http://arena\\.test</code>`));
  assert.not.match(await (await get({})).text(), /reproduce-hint/);
});

test("reproducing the served replay: the same agent is identical, a changed one differs at its first different answer", async () => {
  const served = await (await h.call("GET", `/matches/${matchId}/replay?format=json`)).text();
  const replay: Replay = loadReplay(served);
  const same = await reproduceMatch({ replay, seat: aliceSeat, agent: builtinAgentSpec("pong-tracker") });
  assert.equal(same, { identical: true, steps: replay.steps.length - 1, asked: replay.steps.length - 1 });
  const changed = await reproduceMatch({ replay, seat: aliceSeat, agent: builtinAgentSpec("pong-random") });
  assert.is(changed.identical, false);
  const step = (changed as { step: number }).step;
  const answered = (changed as { answered: unknown }).answered;
  assert.is.not(answered, replay.steps[step + 1]!.actions[aliceSeat], "it differs at that step");
  assert.equal((changed as { recorded: unknown }).recorded, replay.steps[step + 1]!.actions[aliceSeat]);
});

test.run();
