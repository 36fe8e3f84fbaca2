import type { Sql } from "postgres";
import { describe } from "rl-arena-env";
import type {
  AgentDetail,
  AgentLog,
  EnvironmentCard,
  EnvironmentInfo,
  HeadToHeadRow,
  LeaderRow,
  MatchItem,
  MatchStatus,
  OwnAgent,
  RatingPoint,
  SkillEstimate,
  SubmissionItem,
} from "../../views/models.ts";

/**
 * The reads behind the pages: each calls one SQL function or view (leaderboard, recent_matches,
 * match_summaries, agent_stats, head_to_head, submission_list…), the one read layer the API
 * shares, and maps its rows to view models. No rule and no join lives here (issue 12).
 */

type Row = Record<string, unknown>;
const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const nn = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));

/** The stored description, or the installed package's when the row has none yet (before the boot refresh). */
function descriptionOf(r: Row): Partial<EnvironmentInfo> & Record<string, unknown> {
  const stored = (r.description ?? {}) as Record<string, unknown>;
  if (Object.keys(stored).length > 0) return stored;
  try {
    return describe(String(r.id)) as unknown as Record<string, unknown>;
  } catch {
    return {};
  }
}

function environmentOf(r: Row): EnvironmentInfo {
  const d = descriptionOf(r);
  return {
    id: String(r.id),
    name: String(r.name ?? d.name ?? r.id),
    version: String(r.version ?? d.version ?? ""),
    numPlayers: n(d.numPlayers ?? 2),
    rules: String(d.rules ?? ""),
    turnBased: Boolean(d.turnBased),
    actionSpace: d.actionSpace ?? null,
    observationSpace: d.observationSpace ?? null,
    actionMeaning: Array.isArray(d.actionMeaning) ? d.actionMeaning.map(String) : [],
    observationMeaning: Array.isArray(d.observationMeaning) ? d.observationMeaning.map(String) : [],
    defaultConfig: (d.defaultConfig as Record<string, unknown>) ?? {},
  };
}

/** Enabled environments, by name (environment_overview). */
export async function listEnvironments(sql: Sql): Promise<EnvironmentInfo[]> {
  const rows = await sql`select id, name, version, description from environment_overview where enabled order by name`;
  return rows.map(environmentOf);
}

export async function getEnvironment(sql: Sql, id: string): Promise<EnvironmentInfo | null> {
  const [r] = await sql`select id, name, version, description from environment_overview where id = ${id} and enabled`;
  return r ? environmentOf(r) : null;
}

function leaderOf(r: Row): LeaderRow {
  return {
    rank: n(r.rank),
    agentId: String(r.agent_id),
    agentName: String(r.agent_name),
    ownerId: String(r.owner_id),
    ownerName: String(r.owner_username),
    rating: n(r.rating),
    wins: n(r.wins),
    losses: n(r.losses),
    draws: n(r.draws),
    games: n(r.games),
    skill: skillOf(r),
  };
}

function skillOf(r: Row): SkillEstimate | null {
  if (r.skill === null || r.skill === undefined) return null;
  return { mu: Number(r.skill), se: Number(r.skill_se), rankBest: nn(r.skill_rank_best), rankWorst: nn(r.skill_rank_worst) };
}

/** One page of an environment's leaderboard as SQL's leaderboard() ranks it (competition ranks; ELO or skill order). */
export async function leaderboard(sql: Sql, environment: string, limit: number, offset = 0): Promise<LeaderRow[]> {
  const rows = await sql`select * from leaderboard(${environment}, ${limit}, ${offset})`;
  return rows.map(leaderOf);
}

/** Every enabled environment with its ranked-agent count and its leader (environment_overview). */
export async function environmentCards(sql: Sql): Promise<EnvironmentCard[]> {
  const rows = await sql`select * from environment_overview where enabled order by name`;
  return rows.map((r) => ({
    id: String(r.id),
    name: String(r.name),
    agents: n(r.ranked_agents),
    leader: r.leader_agent_id
      ? leaderOf({ rank: 1, agent_id: r.leader_agent_id, agent_name: r.leader_name, owner_id: r.leader_owner_id,
          owner_username: r.leader_owner_username, rating: r.leader_rating, wins: r.leader_wins, losses: r.leader_losses,
          draws: r.leader_draws, games: r.leader_games })
      : null,
  }));
}

/** A match_summaries row (recent_matches, agent_matches) as the pages' match. */
function matchOf(r: Row): MatchItem {
  const players = [0, 1].map((seat) => ({
    seat,
    agentId: String(r[`player${seat}_agent_id`]),
    agentName: String(r[`player${seat}_name`]),
    ownerId: String(r[`player${seat}_owner_id`]),
    ownerName: String(r[`player${seat}_owner_username`]),
    ratingBefore: nn(r[`player${seat}_rating_before`]),
    ratingChange: nn(r[`player${seat}_rating_change`]),
    score: nn(r[`player${seat}_score`]),
  }));
  return {
    id: String(r.id),
    environment: String(r.environment_id),
    status: String(r.status) as MatchStatus,
    createdAt: iso(r.created_at),
    startedAt: isoOrNull(r.started_at),
    endedAt: isoOrNull(r.ended_at),
    endReason: (r.end_reason as string) ?? null,
    winnerSeat: nn(r.winner_seat),
    error: (r.error as string) ?? null,
    players,
  };
}

/**
 * Newest matches first (recent_matches, or agent_matches for an agent); filtered by
 * environment or agent. Fetch pageSize + 1 to know if a next page exists. The SQL functions page
 * by time and cap a call at 500 rows, so numbered pages reach the newest 500 matches.
 */
export async function recentMatches(
  sql: Sql,
  filter: { environment?: string; agentId?: string },
  limit: number,
  offset = 0,
): Promise<MatchItem[]> {
  const rows = filter.agentId
    ? await sql`select * from agent_matches(${filter.agentId}, ${limit + offset}) offset ${offset}`
    : await sql`select * from recent_matches(${filter.environment ?? null}, ${limit + offset}) offset ${offset}`;
  return rows.map(matchOf);
}

export async function getMatch(sql: Sql, id: string): Promise<MatchItem | null> {
  const [r] = await sql`select * from match_summaries where id = ${id}`;
  return r ? matchOf(r) : null;
}

/** Whether a stored replay exists for the match. */
export async function hasReplay(sql: Sql, matchId: string): Promise<boolean> {
  const [r] = await sql`select has_replay from match_summaries where id = ${matchId}`;
  return Boolean(r?.has_replay);
}

/**
 * The stderr logs a viewer may read in a match, by match_logs_for's rule (their own agents'
 * seats; every seat for an admin). Its refusals (RLA14 no agent in the match, RLA10/RLA13 no
 * such or a disabled viewer) mean nothing to show on the page.
 */
export async function ownMatchLogs(sql: Sql, matchId: string, userId: string): Promise<AgentLog[]> {
  try {
    const rows = await sql`select seat, agent_id, agent_name, log from match_logs_for(${userId}, ${matchId})`;
    return rows.map((r) => ({ agentId: String(r.agent_id), agentName: String(r.agent_name), seat: n(r.seat), log: String(r.log) }));
  } catch (error) {
    if (["RLA14", "RLA10", "RLA13"].includes(String((error as { code?: unknown }).code))) return [];
    throw error;
  }
}

/** An agent's page header (agent_stats); null when it does not exist or is deleted. */
export async function getAgent(sql: Sql, id: string): Promise<AgentDetail | null> {
  const [r] = await sql`select * from agent_stats(${id})`;
  if (!r || r.deleted) return null;
  // Why it still has no opponent: a pass over its environment's pool, so only while it waits.
  const [wait] = r.matchmaking_status === "waiting" ? await sql`select reason from matchmaking_wait(${id})` : [];
  return {
    id: String(r.agent_id),
    name: String(r.agent_name),
    description: String(r.description ?? ""),
    environment: String(r.environment_id),
    ownerId: String(r.owner_id),
    ownerName: String(r.owner_username),
    rating: n(r.rating),
    wins: n(r.wins),
    losses: n(r.losses),
    draws: n(r.draws),
    games: n(r.games),
    disabled: Boolean(r.disabled),
    createdAt: iso(r.created_at),
    activeVersion: nn(r.active_version),
    skill: skillOf(r),
    waitingReason: wait ? String(wait.reason) : null,
  };
}

/** The last `limit` rating changes, oldest first (agent_rating_history), starting from the rating before the first. */
export async function ratingHistory(sql: Sql, agentId: string, limit = 200): Promise<RatingPoint[]> {
  const rows = await sql`select rating_before, rating_after, created_at from agent_rating_history(${agentId}, ${limit})`;
  if (rows.length === 0) return [];
  return [
    { at: iso(rows[0].created_at), rating: n(rows[0].rating_before) },
    ...rows.map((r) => ({ at: iso(r.created_at), rating: n(r.rating_after) })),
  ];
}

/** The agent's record against each opponent (head_to_head), most played first. */
export async function headToHead(sql: Sql, agentId: string, limit = 50): Promise<HeadToHeadRow[]> {
  const rows = await sql`select * from head_to_head(${agentId}) limit ${limit}`;
  return rows.map((r) => ({
    opponentId: String(r.opponent_id),
    opponentName: String(r.opponent_name),
    opponentOwner: String(r.opponent_owner_username),
    wins: n(r.wins),
    losses: n(r.losses),
    draws: n(r.draws),
    games: n(r.games),
  }));
}

/** A submission_list row, with the build log when the row carries one (read through submission_list_with_logs). */
function submissionOf(r: Row): SubmissionItem {
  const withLogs = "build_log" in r;
  return {
    id: String(r.id),
    agentId: String(r.agent_id),
    agentName: String(r.agent_name),
    version: n(r.version),
    language: String(r.language ?? "—"),
    status: String(r.status),
    active: String(r.status) === "active",
    createdAt: iso(r.created_at),
    buildLog: withLogs ? ((r.build_log as string) ?? null) : null,
    error: withLogs ? ((r.error as string) ?? null) : null,
  };
}

/**
 * An agent's submissions, newest first (submission_list); with build logs when `logsFor` is a
 * viewer submission_build_log lets read them (the owner or an admin).
 */
export async function agentSubmissions(sql: Sql, agentId: string, logsFor: string | null, limit = 20): Promise<SubmissionItem[]> {
  const rows = logsFor
    ? await sql`select * from submission_list_with_logs(${logsFor}) where agent_id = ${agentId} order by created_at desc limit ${limit}`
    : await sql`select * from submission_list where agent_id = ${agentId} order by created_at desc limit ${limit}`;
  return rows.map(submissionOf);
}

/** The viewer's submissions in one environment (all their agents there), newest first, with logs. */
export async function userSubmissions(sql: Sql, userId: string, environment: string, limit = 20): Promise<SubmissionItem[]> {
  const rows = await sql`
    select * from submission_list_with_logs(${userId})
    where owner_id = ${userId} and environment_id = ${environment} and not agent_deleted
    order by created_at desc limit ${limit}`;
  return rows.map(submissionOf);
}

/** One submission with its owner and build log, for the owner's live row. */
export async function getSubmission(sql: Sql, id: string): Promise<(SubmissionItem & { ownerId: string; environment: string }) | null> {
  const [r] = await sql`
    select * from submission_list_with_logs((select owner_id from submission_list where id = ${id})) where id = ${id}`;
  return r ? { ...submissionOf(r), ownerId: String(r.owner_id), environment: String(r.environment_id) } : null;
}

export type { OwnAgent };

/** The viewer's agents (all environments, or one): user_agents. */
export async function userAgents(sql: Sql, userId: string, environment?: string): Promise<OwnAgent[]> {
  const rows = await sql`select * from user_agents(${userId}, ${environment ?? null})`;
  return rows.map((r) => ({
    id: String(r.agent_id),
    name: String(r.name),
    environment: String(r.environment_id),
    rating: n(r.rating),
    wins: n(r.wins),
    losses: n(r.losses),
    draws: n(r.draws),
    games: n(r.games),
    disabled: Boolean(r.disabled),
    activeVersion: nn(r.active_version),
  }));
}
