/**
 * The shapes the views render. Views are pure functions of these props; the page handlers
 * (src/web/queries.ts) turn SQL rows into them, so a change in SQL touches one file.
 */

export interface Viewer {
  id: string;
  username: string;
  role: "user" | "admin";
}

export interface EnvironmentInfo {
  id: string;
  name: string;
  version: string;
  numPlayers: number;
  rules: string;
  turnBased: boolean;
  actionSpace: unknown;
  observationSpace: unknown;
  actionMeaning: string[];
  observationMeaning: string[];
  defaultConfig: Record<string, unknown>;
}

/** The refitted skill next to ELO (sql/skills.sql): μ ± 1.96·se and the ranks the agent could hold. */
export interface SkillEstimate {
  mu: number;
  se: number;
  rankBest: number | null;
  rankWorst: number | null;
}

export interface LeaderRow {
  rank: number;
  agentId: string;
  agentName: string;
  ownerId: string;
  ownerName: string;
  rating: number;
  wins: number;
  losses: number;
  draws: number;
  games: number;
  skill?: SkillEstimate | null;
}

export interface EnvironmentCard {
  id: string;
  name: string;
  agents: number;
  leader: LeaderRow | null;
}

export type MatchStatus = "pending" | "running" | "completed" | "failed";

export interface MatchPlayer {
  seat: number;
  agentId: string;
  agentName: string;
  ownerId: string;
  ownerName: string;
  ratingBefore: number | null;
  ratingChange: number | null;
  score: number | null;
}

export interface MatchItem {
  id: string;
  environment: string;
  status: MatchStatus;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  /** Seat of the winner; null for a draw or an unfinished match. */
  winnerSeat: number | null;
  error: string | null;
  players: MatchPlayer[];
}

/** `active` = built and the agent's current version; `inactive` = built, superseded. */
export type SubmissionStatus = "pending" | "building" | "active" | "inactive" | "failed";

export interface SubmissionItem {
  id: string;
  agentId: string;
  agentName: string;
  version: number;
  language: string;
  status: SubmissionStatus | string;
  active: boolean;
  createdAt: string;
  /** Only filled for the owner. */
  buildLog: string | null;
  error: string | null;
}

export interface AgentDetail {
  id: string;
  name: string;
  description: string;
  environment: string;
  ownerId: string;
  ownerName: string;
  rating: number;
  wins: number;
  losses: number;
  draws: number;
  games: number;
  disabled: boolean;
  createdAt: string;
  activeVersion: number | null;
  skill?: SkillEstimate | null;
  /** Why an eligible agent has no match yet (matchmaking_wait); null when it is not waiting. */
  waitingReason?: string | null;
}

/** One of a user's own agents (profile page). */
export interface OwnAgent {
  id: string;
  name: string;
  environment: string;
  rating: number;
  wins: number;
  losses: number;
  draws: number;
  games: number;
  disabled: boolean;
  activeVersion: number | null;
}

export interface RatingPoint {
  at: string;
  rating: number;
}

export interface HeadToHeadRow {
  opponentId: string;
  opponentName: string;
  opponentOwner: string;
  wins: number;
  losses: number;
  draws: number;
  games: number;
}

/** One agent's stderr for one match, visible to its owner only. */
export interface AgentLog {
  agentId: string;
  agentName: string;
  seat: number;
  log: string;
}

export interface Page {
  page: number;
  pageSize: number;
  /** Whether another page follows (we fetch pageSize + 1 rows). */
  hasNext: boolean;
}

/** Field errors beside form inputs: field name → message. */
export type FieldErrors = Record<string, string | undefined>;
