import { gzipSync } from "node:zlib";
import type { Sql } from "postgres";
import { playEpisode, pongTracker, type Replay } from "rl-arena-env";

/**
 * Plays the platform's part of a match through its SQL functions, without a worker:
 * pair_agents (matchmaking) → start_match → a real in-process Pong episode → finish_match with
 * the gzip replay and one log per seat. Returns the match id and the replay that was stored.
 */
export async function playFinishedMatch(sql: Sql, environment = "pong", maxSteps = 120): Promise<{ matchId: string; replay: Replay }> {
  const [match] = await sql`select id, player0_agent_id, player1_agent_id, seed from pair_agents(${environment})`;
  if (!match) throw new Error(`pair_agents(${environment}) paired nobody: are two agents with an active version waiting?`);
  await sql`select * from start_match(${match.id})`;
  const replay = playEpisode({
    env: environment,
    config: { max_steps: maxSteps },
    policies: [pongTracker, pongTracker],
    seed: Number(match.seed),
    players: [{ agent_id: match.player0_agent_id }, { agent_id: match.player1_agent_id }],
  });
  const outcome = {
    winner: replay.result.winner,
    scores: replay.result.scores,
    end_reason: replay.result.end_reason,
    total_steps: replay.result.total_steps,
  };
  const gz = gzipSync(JSON.stringify(replay));
  await sql`select finish_match(${match.id}, ${sql.json(outcome)}, ${gz}, ${sql.array(["seat 0 says hello\n", "seat 1 says hello\n"])})`;
  return { matchId: match.id, replay };
}
