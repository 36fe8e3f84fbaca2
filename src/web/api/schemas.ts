import { z } from "@hono/zod-openapi";

// The shapes the API answers with, as components/schemas of the OpenAPI document: each name
// given to .openapi() becomes a $ref where a route's response uses it.

const int = z.number().int();
const str = z.string();
const nullableStr = z.string().nullable();
const nullableInt = int.nullable();

/**
 * A named schema or null. `.nullable()` on a schema with a component name comes out as the bare
 * $ref in the document (the null is lost), a union keeps both.
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

/** The JSON error body of every API error (error_responses.ts): a short code and a sentence. */
export const ErrorSchema = z.object({ error: str, message: str.optional(), details: z.unknown().optional() }).openapi("Error");

export const UserSchema = z.object({
  id: str, username: str, email: str, fullName: str, role: z.enum(["user", "admin"]), createdAt: str, updatedAt: str,
}).openapi("User");

export const AgentSchema = z.object({
  id: str, userId: str, username: str, name: str, description: str, environmentId: str, elo: int, score: int,
  wins: int, losses: int, draws: int, totalMatches: int, disabled: z.boolean(), activeSubmissionId: nullableStr,
  rank: int.openapi({ description: "0 outside leaderboards" }), createdAt: str, updatedAt: str,
}).openapi("Agent");

export const OpponentStatsSchema = z.object({
  opponentId: str, opponentName: str, opponentUsername: str, opponentRating: int, wins: int, losses: int, draws: int,
  totalMatches: int, ratingChange: int, lastPlayedAt: str,
}).openapi("OpponentStats");

export const SkillSchema = z.object({ mu: int, se: int, low: int, high: int, rankBest: nullableInt, rankWorst: nullableInt }).openapi("Skill", {
  description: "Skill estimate next to ELO (Bradley–Terry refit of all the environment's results, Elo scale): μ, standard error, 95 % interval low–high, and the ranks the agent could hold. Null until the environment's first refit after the agent's first game.",
});

export const AgentSummarySchema = z.object({
  rating: int, rank: nullableInt, winRate: z.number().nullable(), peakRating: int, activeVersion: nullableInt, currentMatchId: nullableStr,
  lastMatchEndedAt: nullableStr, matchesToday: int, cooldownUntil: nullableStr,
  matchmakingStatus: z.enum(["deleted", "disabled", "owner_disabled", "no_active_version", "in_match", "cooling_down", "daily_limit", "waiting"]),
  skill: orNull(SkillSchema),
}).openapi("AgentSummary");

export const RankedAgentSchema = z.object({
  rank: int, id: str, name: str, userId: str, username: str, environmentId: str, elo: int, score: int, wins: int, losses: int, draws: int,
  totalMatches: int, skill: orNull(SkillSchema),
}).openapi("RankedAgent");

export const SubmissionSchema = z.object({
  id: str, agentId: str, agentName: str, environmentId: str, version: int,
  status: z.enum(["pending", "building", "active", "failed", "inactive"]), language: nullableStr, entry: nullableStr,
  archiveName: nullableStr, archiveSize: nullableInt, archiveSha256: nullableStr, isActive: z.boolean(),
  errorMessage: nullableStr.openapi({ description: "why the build failed; only for the owner and admins (it quotes the agent's output), null for everyone else" }),
  createdAt: str, startedAt: nullableStr, finishedAt: nullableStr, updatedAt: str,
}).openapi("Submission");

export const MatchSchema = z.object({
  id: str, environmentId: str, environmentVersion: str, status: z.enum(["pending", "running", "completed", "failed"]),
  agent1Id: str, agent2Id: str, agent1Name: str, agent2Name: str, agent1Username: str, agent2Username: str,
  agent1Version: int, agent2Version: int, agent1SubmissionId: str, agent2SubmissionId: str,
  winnerId: nullableStr, winnerSeat: nullableInt, agent1Score: z.number().nullable(), agent2Score: z.number().nullable(),
  agent1EloChange: nullableInt, agent2EloChange: nullableInt, agent1RatingAfter: nullableInt, agent2RatingAfter: nullableInt,
  endReason: nullableStr, totalSteps: nullableInt, errorMessage: nullableStr, isPublic: z.boolean(),
  replayUrl: nullableStr, replayHtmlUrl: nullableStr, createdAt: str, startedAt: nullableStr, completedAt: nullableStr,
}).openapi("Match");

const versionRef = z.object({ submissionId: str, version: int });
export const VersionTestSchema = z.object({
  id: str, agentId: str, agentName: str, ownerId: str, environment: str, candidate: versionRef, baseline: versionRef,
  status: z.enum(["running", "better", "not_better", "inconclusive"]).openapi({
    description: "better: the active version is better (H1 accepted); not_better: it is not (H0 accepted); inconclusive: max pairs played, or 5 pairs lost to platform failures (see note)",
  }),
  note: nullableStr, createdAt: str, decidedAt: nullableStr,
  hypotheses: z.object({ elo0: z.number(), elo1: z.number(), alpha: z.number(), beta: z.number(), maxPairs: int }),
  pairs: int, pentanomial: z.array(int).openapi({ description: "complete pairs in which the candidate scored 0, ½, 1, 1½ and 2 points" }),
  llr: z.number(), lowerBound: z.number(), upperBound: z.number(),
  elo: z.number().nullable(), eloLow: z.number().nullable(), eloHigh: z.number().nullable(),
  games: z.array(z.object({ matchId: str, pair: int, status: str, candidateSeat: int, winnerSeat: nullableInt, endReason: nullableStr })),
}).openapi("VersionTest");

export const RuntimesSchema = z.object({
  executor: z.enum(["local", "kubernetes"]),
  runtimes: z.array(z.object({ name: str, path: str.openapi({ description: "where it is in the sandbox (local), or its base image (kubernetes)" }), version: str })),
  dockerfile: z.boolean().openapi({ description: "an archive with a Dockerfile at its root is built into an image of its own (Kubernetes only)" }),
  note: str,
}).openapi("Runtimes");

export const EnvironmentSchema = z.object({
  id: str, version: str, name: str, config: z.looseObject({}), activeAgents: int, description: z.looseObject({}).nullable(), createdAt: str, updatedAt: str,
}).openapi("Environment");

/** A list page: the items under `key`, then page, pageSize and total. */
export const pageSchema = <K extends string, T extends z.ZodType>(key: K, item: T) =>
  z.object({ [key]: z.array(item), page: int, pageSize: int, total: int } as { [P in K]: z.ZodArray<T> } & { page: typeof int; pageSize: typeof int; total: typeof int });

/** `{ message }`, optionally with the object the change produced. */
export const messageSchema = z.object({ message: str });
