import type { Sql } from "postgres";

/** What a challenge names: the challenger's agent and either another agent or an older version of it. */
export type ChallengeInput = { agentId: string; opponentId?: string; opponentSubmissionId?: string };

/**
 * The one challenge action of the API (POST /api/v1/challenges) and the agent page's button
 * (POST /agents/:id/challenges): create_challenge or create_version_challenge (sql/challenges.sql
 * checks ownership, quota and environment, and raises the coded refusal). Returns the match id.
 */
export async function createChallenge(sql: Sql, me: string, input: ChallengeInput): Promise<string> {
  const [m] = input.opponentId
    ? await sql`select id from create_challenge(${me}, ${input.agentId}, ${input.opponentId})`
    : await sql`select id from create_version_challenge(${me}, ${input.agentId}, ${input.opponentSubmissionId!})`;
  return String(m!.id);
}
