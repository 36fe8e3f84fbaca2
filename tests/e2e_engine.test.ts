/**
 * The engine room end to end on one machine: real PostgreSQL, real pg-boss workers, real
 * sandboxed processes. Upload a JavaScript agent and an original-style Python agent → both
 * builds pass their validation match → matchmaking pairs them → the match is played and
 * recorded → the cooldown keeps them apart until it expires.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { gunzipSync } from "node:zlib";
import { loadReplay } from "rl-arena-env";
import { createTestDatabase } from "./helpers/database.ts";
import { startWorkers } from "../src/jobs/workers.ts";
import { engineEvents } from "../src/executor/engine_events.ts";
import { inspectArchive } from "../src/submissions/intake.ts";
import { jsAgentZip, makeAgent, pyAgentTarGz, quietLog, sleep, startTestBoss, stopEngine, submissionStatus, testDataDir, upload, waitFor } from "./fixtures/engine.ts";
import { makeUser } from "./helpers/sql_fixtures.ts";

const COOLDOWN_S = 8;

test("two uploaded agents are built, paired, play a match that is recorded, and wait out the cooldown", async () => {
  // Setup
  const db = await createTestDatabase();
  const { sql } = db;
  await sql`select set_setting('matchmaking_interval_s', '1')`;
  await sql`select set_setting('match_cooldown_s', ${String(COOLDOWN_S)}::jsonb)`;
  await sql`update environments set settings = settings || '{"seat_swapped_pairs": 0}' where id = 'pong'`; // one rated match, not a seat-swapped pair (pong's default since migration 0017): this test follows that one match
  const boss = await startTestBoss(db.url);
  const events: string[] = [];
  const onFinished = (e: { matchId: string }) => events.push(`finished ${e.matchId}`);
  engineEvents.on("match.finished", onFinished);
  const workers = await startWorkers({
    sql, boss, log: quietLog,
    config: { dataDir: testDataDir(), MATCH_CONCURRENCY: 2, EXECUTOR: "local", SANDBOX: "bwrap" },
    validationSteps: 50, matchmakingCheckMs: 200, pollingIntervalSeconds: 0.5,
  });
  try {
    const { id: owner } = await makeUser(sql, { name: "e2e_owner" });
    const jsAgent = await makeAgent(sql, owner, "js-tracker");
    const pyAgent = await makeAgent(sql, owner, "py-original");

    // Action 1: uploads, with the language and entry the upload route gets from inspectArchive
    const jsZip = jsAgentZip();
    const js = await inspectArchive(jsZip, "agent.zip");
    const pyTgz = pyAgentTarGz();
    const py = await inspectArchive(pyTgz, "agent.tar.gz");
    assert.equal([js.language, js.entry, py.language, py.entry], ["node", "main.mjs", "python", "agent.py"]);
    const jsSub = await upload(sql, owner, jsAgent, jsZip, "agent.zip", js.language, js.entry);
    const pySub = await upload(sql, owner, pyAgent, pyTgz, "agent.tar.gz", py.language, py.entry);

    // Assertions 1: both active, with a build log that shows the validation match
    for (const id of [jsSub, pySub]) {
      const s = await waitFor(`submission ${id} to finish building`, async () => {
        const s = await submissionStatus(sql, id);
        return s.status === "active" || s.status === "failed" ? s : null;
      }, 60_000);
      assert.is(s.status, "active", `${s.error}\n${s.build_log}`);
      assert.match(s.build_log!, /validation match \(pong, up to 50 steps against builtin:pong-tracker, in the sandbox\): passed/);
    }
    assert.match((await submissionStatus(sql, pySub)).build_log!, /python agent for player 0/);
    const active = await sql`select id, active_submission_id from agents where id in (${jsAgent}, ${pyAgent}) order by name`;
    assert.equal(active.map((a) => a.active_submission_id).sort(), [jsSub, pySub].sort());

    // Action 2 / Assertions 2: matchmaking pairs them and the match is recorded
    const match = await waitFor("the first match to complete", async () => {
      const [m] = await sql`select * from matches where status in ('completed', 'failed') order by created_at limit 1`;
      return m;
    }, 60_000);
    assert.is(match.status, "completed", match.error);
    assert.equal([match.player0_agent_id, match.player1_agent_id].sort(), [jsAgent, pyAgent].sort());
    assert.ok(["completed", "timeout", "crash", "invalid_action", "protocol_error"].includes(match.end_reason));
    assert.is(match.end_reason, "completed", JSON.stringify(match.details));
    assert.ok(match.total_steps > 0);
    assert.ok(events.includes(`finished ${match.id}`));

    const agents = await sql`select id, rating, games, wins, losses, draws from agents where id in (${jsAgent}, ${pyAgent})`;
    for (const a of agents) {
      assert.is(a.games, 1);
      assert.is(a.wins + a.losses + a.draws, 1);
    }
    const r0 = agents.find((a) => a.id === match.player0_agent_id)!;
    assert.is(r0.rating, match.player0_rating_after);
    assert.is(match.player0_rating_change + match.player1_rating_change === 0 || match.winner_seat === null, true);
    const [{ n: history }] = await sql`select count(*)::int as n from rating_history where match_id = ${match.id}`;
    assert.is(history, 2);

    const [replay] = await sql`select data, size_bytes from replays where match_id = ${match.id}`;
    const stored = JSON.parse(gunzipSync(replay!.data).toString("utf8"));
    assert.is(stored.schema_version, 2, "stored compact: environment, seed and actions");
    const json: any = loadReplay(stored); // the frames, rebuilt by re-simulating
    assert.is(json.environment.id, "pong");
    assert.is(json.steps.length, match.total_steps + 1, "frame 0 is the reset state");
    assert.is(json.result.total_steps, match.total_steps);
    assert.equal(json.players.map((p: { agent_id: string }) => p.agent_id), [match.player0_agent_id, match.player1_agent_id]);

    assert.is(stored.timing, undefined, "the step timeline is not in the public replay");
    const logs = await sql`select seat, agent_id, log, timing from match_logs where match_id = ${match.id} order by seat`;
    assert.is(logs.length, 2);
    for (const l of logs) {
      assert.is(l.timing.ms.length, match.total_steps, `seat ${l.seat}: one answer time per step`);
      assert.is(l.timing.step_timeout_ms > 0 && l.timing.bank_ms.length === match.total_steps, true);
    }
    const pyLog = logs.find((l) => l.agent_id === pyAgent)!.log;
    const jsLog = logs.find((l) => l.agent_id === jsAgent)!.log;
    assert.match(pyLog, /python agent for player [01]/);
    assert.match(jsLog, /js agent ready/);

    // Assertions 3: the cooldown keeps them apart, then lets them play again
    const endedAt = new Date(match.ended_at).getTime();
    await sleep(Math.max(0, endedAt + (COOLDOWN_S - 2) * 1000 - Date.now()));
    const [{ n: during }] = await sql`select count(*)::int as n from matches`;
    assert.is(during, 1, "no second match during the cooldown");
    const second = await waitFor("a second match after the cooldown", async () => {
      const [m] = await sql`select id, created_at from matches where id <> ${match.id}`;
      return m;
    }, 20_000);
    assert.ok(new Date(second.created_at).getTime() >= endedAt + COOLDOWN_S * 1000 - 50, "paired only after the cooldown expired");
  } finally {
    engineEvents.off("match.finished", onFinished);
    await stopEngine(workers, boss);
    await db.drop();
  }
});

test.run();
