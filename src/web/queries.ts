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
 * The reads behind the pages, each one SQL statement returning view models. Writes go through
 * the SQL functions (register_user, create_agent, …) in the page handlers; keeping every read
 * here means a change of SQL shape touches one file.
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

/** Enabled environments, by name. */
export async function listEnvironments(sql: Sql): Promise<EnvironmentInfo[]> {
  const rows = await sql`select id, name, version, description from environments where enabled order by name`;
  return rows.map(environmentOf);
}

export async function getEnvironment(sql: Sql, id: string): Promise<EnvironmentInfo | null> {
  const [r] = await sql`select id, name, version, description from environments where id = ${id} and enabled`;
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

const MATCH_COLUMNS = (sql: Sql) => sql`
  m.id, m.environment_id, m.status, m.created_at, m.started_at, m.ended_at, m.end_reason, m.winner_seat, m.error,
  m.player0_agent_id, a0.name as player0_name, a0.owner_id as player0_owner_id, u0.username as player0_owner,
  m.player1_agent_id, a1.name as player1_name, a1.owner_id as player1_owner_id, u1.username as player1_owner,
  m.player0_rating_before, m.player1_rating_before, m.player0_rating_change, m.player1_rating_change,
  m.player0_score, m.player1_score`;

const MATCH_JOINS = (sql: Sql) => sql`
  join agents a0 on a0.id = m.player0_agent_id join users u0 on u0.id = a0.owner_id
  join agents a1 on a1.id = m.player1_agent_id join users u1 on u1.id = a1.owner_id`;

function matchOf(r: Row): MatchItem {
  const players = [0, 1].map((seat) => ({
    seat,
    agentId: String(r[`player${seat}_agent_id`]),
    agentName: String(r[`player${seat}_name`]),
    ownerId: String(r[`player${seat}_owner_id`]),
    ownerName: String(r[`player${seat}_owner`]),
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

/** Newest matches first; filtered by environment or agent. Fetch pageSize + 1 to know if a next page exists. */
export async function recentMatches(
  sql: Sql,
  filter: { environment?: string; agentId?: string },
  limit: number,
  offset = 0,
): Promise<MatchItem[]> {
  const where = filter.agentId
    ? sql`(m.player0_agent_id = ${filter.agentId} or m.player1_agent_id = ${filter.agentId})`
    : filter.environment
      ? sql`m.environment_id = ${filter.environment}`
      : sql`true`;
  // All environments: the newest of each through matches_environment_created_idx, merged
  // (there is no index on created_at alone, see sql/migrations/0008).
  const source = filter.agentId || filter.environment
    ? sql`matches m`
    : sql`(select newest.* from environments e cross join lateral (
             select * from matches x where x.environment_id = e.id
             order by x.created_at desc, x.id limit ${limit + offset}) newest) m`;
  const rows = await sql`
    select ${MATCH_COLUMNS(sql)} from ${source} ${MATCH_JOINS(sql)}
    where ${where} order by m.created_at desc, m.id limit ${limit} offset ${offset}`;
  return rows.map(matchOf);
}

export async function getMatch(sql: Sql, id: string): Promise<MatchItem | null> {
  const [r] = await sql`select ${MATCH_COLUMNS(sql)} from matches m ${MATCH_JOINS(sql)} where m.id = ${id}`;
  return r ? matchOf(r) : null;
}

/** Whether a stored replay exists for the match. */
export async function hasReplay(sql: Sql, matchId: string): Promise<boolean> {
  const [r] = await sql`select exists (select 1 from replays where match_id = ${matchId}) as ok`;
  return Boolean(r?.ok);
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

export async function getAgent(sql: Sql, id: string): Promise<AgentDetail | null> {
  const [r] = await sql`
    select a.*, u.username as owner_name, s.version as active_version,
           (select w.reason from matchmaking_wait(a.id) w) as waiting_reason
    from agents a join users u on u.id = a.owner_id left join submissions s on s.id = a.active_submission_id
    where a.id = ${id} and a.deleted_at is null`;
  if (!r) return null;
  return {
    id: String(r.id),
    name: String(r.name),
    description: String(r.description ?? ""),
    environment: String(r.environment_id),
    ownerId: String(r.owner_id),
    ownerName: String(r.owner_name),
    rating: n(r.rating),
    wins: n(r.wins),
    losses: n(r.losses),
    draws: n(r.draws),
    games: n(r.games),
    disabled: Boolean(r.disabled),
    createdAt: iso(r.created_at),
    activeVersion: nn(r.active_version),
    skill: skillOf(r),
    waitingReason: r.waiting_reason === null ? null : String(r.waiting_reason),
  };
}

/** The last `limit` rating changes, oldest first (starting from the rating before the first). */
export async function ratingHistory(sql: Sql, agentId: string, limit = 200): Promise<RatingPoint[]> {
  const rows = await sql`
    select * from (select rating_before, rating_after, created_at, id from rating_history
                   where agent_id = ${agentId} order by id desc limit ${limit}) h order by id`;
  if (rows.length === 0) return [];
  return [
    { at: iso(rows[0].created_at), rating: n(rows[0].rating_before) },
    ...rows.map((r) => ({ at: iso(r.created_at), rating: n(r.rating_after) })),
  ];
}

/** Completed matches against each opponent, from this agent's side. */
export async function headToHead(sql: Sql, agentId: string): Promise<HeadToHeadRow[]> {
  const rows = await sql`
    with mine as (
      select case when m.player0_agent_id = ${agentId} then 0 else 1 end as seat, m.*
      from matches m
      where m.status = 'completed' and (m.player0_agent_id = ${agentId} or m.player1_agent_id = ${agentId})
    )
    select o.id as opponent_id, o.name as opponent_name, u.username as opponent_owner,
           count(*) filter (where winner_seat = seat) as wins,
           count(*) filter (where winner_seat = 1 - seat) as losses,
           count(*) filter (where winner_seat is null) as draws,
           count(*) as games
    from mine join agents o on o.id = case when mine.seat = 0 then mine.player1_agent_id else mine.player0_agent_id end
    join users u on u.id = o.owner_id
    group by o.id, o.name, u.username order by count(*) desc, o.name limit 50`;
  return rows.map((r) => ({
    opponentId: String(r.opponent_id),
    opponentName: String(r.opponent_name),
    opponentOwner: String(r.opponent_owner),
    wins: n(r.wins),
    losses: n(r.losses),
    draws: n(r.draws),
    games: n(r.games),
  }));
}

function submissionOf(r: Row, withLogs: boolean): SubmissionItem {
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

/** An agent's submissions, newest first; build logs only when `withLogs` (the owner). */
export async function agentSubmissions(sql: Sql, agentId: string, withLogs: boolean, limit = 20): Promise<SubmissionItem[]> {
  const rows = await sql`
    select s.id, s.agent_id, a.name as agent_name, s.version, s.language, s.status, s.created_at, s.build_log, s.error
    from submissions s join agents a on a.id = s.agent_id
    where s.agent_id = ${agentId} order by s.created_at desc limit ${limit}`;
  return rows.map((r) => submissionOf(r, withLogs));
}

/** The viewer's submissions in one environment (all their agents there), newest first, with logs. */
export async function userSubmissions(sql: Sql, userId: string, environment: string, limit = 20): Promise<SubmissionItem[]> {
  const rows = await sql`
    select s.id, s.agent_id, a.name as agent_name, s.version, s.language, s.status, s.created_at, s.build_log, s.error
    from submissions s join agents a on a.id = s.agent_id
    where a.owner_id = ${userId} and a.environment_id = ${environment} and a.deleted_at is null
    order by s.created_at desc limit ${limit}`;
  return rows.map((r) => submissionOf(r, true));
}

/** One submission with its owner, for the owner's live row. */
export async function getSubmission(sql: Sql, id: string): Promise<(SubmissionItem & { ownerId: string; environment: string }) | null> {
  const [r] = await sql`
    select s.id, s.agent_id, a.name as agent_name, a.owner_id, a.environment_id, s.version, s.language, s.status, s.created_at, s.build_log, s.error
    from submissions s join agents a on a.id = s.agent_id where s.id = ${id}`;
  return r ? { ...submissionOf(r, true), ownerId: String(r.owner_id), environment: String(r.environment_id) } : null;
}

export type { OwnAgent };

/** The viewer's agents (all environments, or one). */
export async function userAgents(sql: Sql, userId: string, environment?: string): Promise<OwnAgent[]> {
  const rows = await sql`
    select a.id, a.name, a.environment_id, a.rating, a.wins, a.losses, a.draws, a.games, a.disabled, s.version as active_version
    from agents a left join submissions s on s.id = a.active_submission_id
    where a.owner_id = ${userId} and a.deleted_at is null ${environment ? sql`and a.environment_id = ${environment}` : sql``}
    order by a.environment_id, a.rating desc, a.name`;
  return rows.map((r) => ({
    id: String(r.id),
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
