import { formatBytes } from "../../submissions/intake_errors.ts";
import { z } from "zod";
import { ApiDocsPage } from "../../../views/api_docs.tsx";
import type { Viewer } from "../../../views/models.ts";
import { CreateAgentBody, UpdateAgentBody, AgentListQuery } from "./agents.ts";
import { ChallengeBody } from "./challenges.ts";
import { VersionTestBody } from "./version_tests.ts";
import { LoginBody, RegisterBody } from "./auth.ts";
import { PageQuery } from "./common.ts";
import { MatchListQuery, ReplayQuery } from "./matches.ts";
import { UpdateMeBody } from "./users.ts";
import { PasswordChangeBody } from "../actions/account.ts";

type Json = Record<string, unknown>;

/** One API operation as documented; `path` uses OpenAPI `{param}` syntax. */
interface Operation {
  method: "get" | "post" | "put" | "delete";
  path: string;
  tag: string;
  summary: string;
  auth?: "user" | "owner";
  rateLimit?: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  multipart?: boolean;
  ok: { status: number; description: string; schema?: Json; content?: Record<string, Json> };
  errors: number[];
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const page = (key: string, item: string): Json => ({
  type: "object", required: [key, "page", "pageSize", "total"],
  properties: { [key]: { type: "array", items: ref(item) }, page: { type: "integer" }, pageSize: { type: "integer" }, total: { type: "integer" } },
});
const obj = (props: Record<string, Json>, required = Object.keys(props)): Json => ({ type: "object", required, properties: props });
const str = { type: "string" };
const nullable = (type: string) => ({ type: [type, "null"] });
const int = { type: "integer" };
const message = { message: str };

const OPERATIONS: Operation[] = [
  { method: "post", path: "/auth/register", tag: "auth", summary: "Create an account and get a session token", rateLimit: "auth", body: RegisterBody,
    ok: { status: 201, description: "Registered", schema: obj({ token: str, user: ref("User") }) }, errors: [400, 409, 413, 429] },
  { method: "post", path: "/auth/login", tag: "auth", summary: "Log in with email or username", rateLimit: "auth", body: LoginBody,
    ok: { status: 200, description: "Logged in", schema: obj({ token: str, user: ref("User") }) }, errors: [400, 401, 403, 429] },
  { method: "post", path: "/auth/logout", tag: "auth", summary: "End this session: its token (and any copy of it) stops working", auth: "user",
    ok: { status: 200, description: "Logged out", schema: obj(message) }, errors: [401] },
  { method: "post", path: "/auth/logout-everywhere", tag: "auth", summary: "End every session of the account, this one included", auth: "user",
    ok: { status: 200, description: "Logged out everywhere", schema: obj(message) }, errors: [401] },

  { method: "get", path: "/agents", tag: "agents", summary: "All agents, highest rating first", query: AgentListQuery,
    ok: { status: 200, description: "A page of agents", schema: page("agents", "Agent") }, errors: [400] },
  { method: "post", path: "/agents", tag: "agents", summary: "Create an agent in an environment", auth: "user", body: CreateAgentBody,
    ok: { status: 201, description: "Created", schema: obj({ ...message, agent: ref("Agent") }) }, errors: [400, 401, 404, 409] },
  { method: "get", path: "/agents/my", tag: "agents", summary: "The caller's agents, newest first", auth: "user", query: AgentListQuery,
    ok: { status: 200, description: "A page of agents", schema: page("agents", "Agent") }, errors: [400, 401] },
  { method: "get", path: "/agents/{id}", tag: "agents", summary: "One agent",
    ok: { status: 200, description: "The agent", schema: obj({ agent: ref("Agent") }) }, errors: [404] },
  { method: "put", path: "/agents/{id}", tag: "agents", summary: "Rename or describe an agent", auth: "owner", body: UpdateAgentBody,
    ok: { status: 200, description: "Updated", schema: obj({ ...message, agent: ref("Agent") }) }, errors: [400, 401, 403, 404, 409] },
  { method: "delete", path: "/agents/{id}", tag: "agents", summary: "Delete an agent (its matches stay readable)", auth: "owner",
    ok: { status: 200, description: "Deleted", schema: obj(message) }, errors: [401, 403, 404] },
  { method: "get", path: "/agents/{id}/stats", tag: "agents", summary: "Head-to-head record against each opponent",
    ok: { status: 200, description: "Statistics", schema: obj({ agentId: str, agent: ref("Agent"), stats: { type: "array", items: ref("OpponentStats") }, total: { type: "integer" }, summary: { oneOf: [ref("AgentSummary"), { type: "null" }] } }) }, errors: [404] },

  { method: "post", path: "/submissions", tag: "submissions", summary: "Upload a new version (zip, tar.gz, or one .py/.js file; at most {maxUpload}, the archive_max_bytes setting)", auth: "owner", rateLimit: "upload", multipart: true,
    ok: { status: 201, description: "Created; the build is queued", schema: obj({ ...message, submission: ref("Submission") }) }, errors: [400, 401, 403, 404, 409, 413, 422, 429] },
  { method: "get", path: "/submissions/{id}", tag: "submissions", summary: "One submission and its build status (poll this)",
    ok: { status: 200, description: "The submission", schema: obj({ submission: ref("Submission") }) }, errors: [404] },
  { method: "get", path: "/submissions/agent/{agentId}", tag: "submissions", summary: "An agent's submissions, newest version first", query: PageQuery,
    ok: { status: 200, description: "A page of submissions", schema: page("submissions", "Submission") }, errors: [400, 404] },
  { method: "get", path: "/submissions/{id}/build-logs", tag: "submissions", summary: "Build and validation log (owner only)", auth: "owner",
    ok: { status: 200, description: "The log", schema: obj({ submissionId: str, status: str, buildLog: str, errorMessage: nullable("string"), startedAt: nullable("string"), finishedAt: nullable("string") }) }, errors: [401, 403, 404] },
  { method: "put", path: "/submissions/{id}/activate", tag: "submissions", summary: "Make a built version the agent's active one", auth: "owner",
    ok: { status: 200, description: "Activated", schema: obj({ ...message, submission: ref("Submission") }) }, errors: [401, 403, 404, 409] },
  { method: "post", path: "/submissions/{id}/rebuild", tag: "submissions", summary: "Build a submission again", auth: "owner", rateLimit: "upload",
    ok: { status: 200, description: "Queued", schema: obj({ ...message, submission: ref("Submission") }) }, errors: [401, 403, 404, 409, 429] },

  { method: "get", path: "/matches", tag: "matches", summary: "Matches, newest first", query: MatchListQuery,
    ok: { status: 200, description: "A page of matches", schema: page("matches", "Match") }, errors: [400] },
  { method: "get", path: "/matches/{id}", tag: "matches", summary: "One match",
    ok: { status: 200, description: "The match", schema: obj({ match: ref("Match") }) }, errors: [404] },
  { method: "get", path: "/matches/agent/{agentId}", tag: "matches", summary: "An agent's matches, newest first", query: MatchListQuery,
    ok: { status: 200, description: "A page of matches", schema: page("matches", "Match") }, errors: [400, 404] },
  { method: "get", path: "/matches/{id}/replay", tag: "matches", summary: "Download the replay: json = every frame (rebuilt on demand from a compact replay; gzip when accepted), compact = as stored (schema 2: environment, seed and actions, which the player re-simulates; older matches: frames), html = a self-contained player (with your own seats' logs and timelines when you played in it)", rateLimit: "replay", query: ReplayQuery,
    ok: { status: 200, description: "The replay file", content: { "application/json": { schema: { type: "object" } }, "text/html": { schema: str } } }, errors: [400, 404, 409, 429] },
  { method: "get", path: "/matches/{id}/logs", tag: "matches", summary: "The caller's own agents' stderr for this match", auth: "user",
    ok: { status: 200, description: "Logs of the caller's seats", schema: obj({ matchId: str, status: str, logs: { type: "array", items: obj({ seat: { type: "integer" }, agentId: str, agentName: str, log: str, truncated: { type: "boolean" },
      timing: { type: ["object", "null"], description: "The referee's step timeline of this seat: step_timeout_ms, time_bank_ms, init_ms, init_lines, and per request r (its answer led to frame r + 1) ms[r], bank_ms[r], lines[r] (stderr lines written by then); null for older matches" } }) } }) }, errors: [401, 403, 404] },
  { method: "get", path: "/matches/{id}/reproduce", tag: "matches", summary: "Your seats of a match with the command that plays them again at home (rl-arena-env reproduce)", auth: "user",
    ok: { status: 200, description: "The caller's seats and commands", schema: obj({ matchId: str, environmentId: str, environmentVersion: str, replayUrl: str,
      seats: { type: "array", items: obj({ seat: { type: "integer" }, agentId: str, agentName: str, command: str }) } }) }, errors: [401, 403, 404] },

  { method: "post", path: "/challenges", tag: "matches", summary: "Challenge: an unranked match between your agent and any public agent of its environment (opponentId), or your agent's active version and an older one (opponentSubmissionId); after ranked matches, challenge_daily_quota per day, no rating change", auth: "user", body: ChallengeBody,
    ok: { status: 201, description: "The queued unranked match", schema: obj({ ...message, match: ref("Match") }) }, errors: [400, 401, 403, 404, 409, 429] },
  { method: "post", path: "/version-tests", tag: "matches", summary: "Is v2 better than v1? A sequential test (SPRT) of your agent's active version against an older built one: seat-swapped unranked pairs run (after ranked matches) until it is decided; version_test_daily_quota per day, no rating change", auth: "user", body: VersionTestBody,
    ok: { status: 201, description: "Started; the first pair is queued", schema: obj({ ...message, versionTest: ref("VersionTest") }) }, errors: [400, 401, 403, 404, 409, 429] },
  { method: "get", path: "/version-tests/{id}", tag: "matches", summary: "A version test's progress: pairs played, log-likelihood ratio and its bounds, verdict, Elo difference with its 95 % interval and every game",
    ok: { status: 200, description: "The test", schema: obj({ versionTest: ref("VersionTest") }) }, errors: [404] },

  { method: "get", path: "/leaderboard", tag: "leaderboard", summary: "Ranked agents of every environment (rank within its environment)", query: PageQuery,
    ok: { status: 200, description: "A page of ranked agents", schema: page("leaderboard", "RankedAgent") }, errors: [400] },
  { method: "get", path: "/leaderboard/environment/{envId}", tag: "leaderboard", summary: "One environment's leaderboard", query: PageQuery,
    ok: { status: 200, description: "A page of ranked agents", schema: { allOf: [page("leaderboard", "RankedAgent"), obj({ environmentId: str })] } }, errors: [400, 404] },

  { method: "get", path: "/users/me", tag: "users", summary: "The caller's profile and statistics", auth: "user",
    ok: { status: 200, description: "Profile", schema: obj({ user: ref("User"), stats: obj({ totalSubmissions: int, agents: int, totalMatches: int, totalWins: int, totalLosses: int, totalDraws: int, bestRating: nullable("integer"), bestAgent: { type: ["object", "null"] } }) }) }, errors: [401, 404] },
  { method: "put", path: "/users/me", tag: "users", summary: "Change the caller's full name or email", auth: "user", body: UpdateMeBody,
    ok: { status: 200, description: "Updated", schema: obj({ ...message, user: ref("User") }) }, errors: [400, 401, 409] },
  { method: "put", path: "/users/me/password", tag: "users", summary: "Change the caller's password; every other session ends, the answer carries a token for a new one", auth: "user", rateLimit: "auth", body: PasswordChangeBody,
    ok: { status: 200, description: "Changed (a cookie session also gets a fresh cookie)", schema: obj({ ...message, token: str }) }, errors: [400, 401, 403, 409, 429] },

  { method: "get", path: "/environments", tag: "environments", summary: "Environments on this server with their rules and spaces", query: PageQuery,
    ok: { status: 200, description: "A page of environments", schema: page("environments", "Environment") }, errors: [400] },
  { method: "get", path: "/runtimes", tag: "environments", summary: "Interpreters an agent.json {\"protocol\": \"stdio\", \"command\": [...]} may name here, with their versions, and whether an archive's own Dockerfile is built",
    ok: { status: 200, description: "The runtimes of this platform's executor", schema: ref("Runtimes") }, errors: [] },
];

const ERROR_TEXT: Record<number, string> = {
  400: "Bad input (the message names the field and the rule)", 401: "Not signed in, or the token is invalid, expired or its session ended (logout, password change, disabled account)",
  403: "Not allowed (not the owner, or the account is disabled)", 404: "No such resource", 409: "Conflicts with the current state (duplicate name, limit reached…)",
  413: "Body too large (uploads: {maxUpload}; other bodies: 64 KB)", 422: "Invalid archive (the message names the offending entry)", 429: "Rate limited; see Retry-After",
};

const SCHEMAS: Record<string, Json> = {
  Error: obj({ error: str, message: str, details: {} }, ["error"]),
  User: obj({ id: str, username: str, email: str, fullName: str, role: { enum: ["user", "admin"] }, createdAt: str, updatedAt: str }),
  Agent: obj({ id: str, userId: str, username: str, name: str, description: str, environmentId: str, elo: { type: "integer" }, score: { type: "integer" },
    wins: { type: "integer" }, losses: { type: "integer" }, draws: { type: "integer" }, totalMatches: { type: "integer" }, disabled: { type: "boolean" },
    activeSubmissionId: nullable("string"), rank: { type: "integer", description: "0 outside leaderboards" }, createdAt: str, updatedAt: str }),
  OpponentStats: obj({ opponentId: str, opponentName: str, opponentUsername: str, opponentRating: int, wins: int, losses: int, draws: int, totalMatches: int, ratingChange: int, lastPlayedAt: str }),
  AgentSummary: obj({ rating: int, rank: nullable("integer"), winRate: nullable("number"), peakRating: int, activeVersion: nullable("integer"), currentMatchId: nullable("string"),
    lastMatchEndedAt: nullable("string"), matchesToday: int, cooldownUntil: nullable("string"),
    matchmakingStatus: { enum: ["deleted", "disabled", "owner_disabled", "no_active_version", "in_match", "cooling_down", "daily_limit", "waiting"] },
    skill: { oneOf: [{ $ref: "#/components/schemas/Skill" }, { type: "null" }] } }),
  RankedAgent: obj({ rank: int, id: str, name: str, userId: str, username: str, environmentId: str, elo: int, score: int, wins: int, losses: int, draws: int, totalMatches: int,
    skill: { oneOf: [{ $ref: "#/components/schemas/Skill" }, { type: "null" }] } }),
  Skill: {
    ...obj({ mu: int, se: int, low: int, high: int, rankBest: nullable("integer"), rankWorst: nullable("integer") }),
    description: "Skill estimate next to ELO (Bradley–Terry refit of all the environment's results, Elo scale): μ, standard error, 95 % interval low–high, and the ranks the agent could hold. Null until the environment's first refit after the agent's first game.",
  },
  Submission: obj({ id: str, agentId: str, agentName: str, environmentId: str, version: { type: "integer" },
    status: { enum: ["pending", "building", "active", "failed", "inactive"] }, language: nullable("string"), entry: nullable("string"),
    archiveName: nullable("string"), archiveSize: nullable("integer"), archiveSha256: nullable("string"), isActive: { type: "boolean" },
    errorMessage: { ...nullable("string"), description: "why the build failed; only for the owner and admins (it quotes the agent's output), null for everyone else" },
    createdAt: str, startedAt: nullable("string"), finishedAt: nullable("string"), updatedAt: str }),
  Match: obj({ id: str, environmentId: str, environmentVersion: str, status: { enum: ["pending", "running", "completed", "failed"] },
    agent1Id: str, agent2Id: str, agent1Name: str, agent2Name: str, agent1Username: str, agent2Username: str,
    agent1Version: int, agent2Version: int, agent1SubmissionId: str, agent2SubmissionId: str,
    winnerId: nullable("string"), winnerSeat: nullable("integer"), agent1Score: nullable("number"), agent2Score: nullable("number"),
    agent1EloChange: nullable("integer"), agent2EloChange: nullable("integer"), agent1RatingAfter: nullable("integer"), agent2RatingAfter: nullable("integer"),
    endReason: nullable("string"), totalSteps: nullable("integer"), errorMessage: nullable("string"), isPublic: { type: "boolean" },
    replayUrl: nullable("string"), replayHtmlUrl: nullable("string"), createdAt: str, startedAt: nullable("string"), completedAt: nullable("string") }),
  VersionTest: obj({ id: str, agentId: str, agentName: str, ownerId: str, environment: str,
    candidate: obj({ submissionId: str, version: int }), baseline: obj({ submissionId: str, version: int }),
    status: { enum: ["running", "better", "not_better", "inconclusive"], description: "better: the active version is better (H1 accepted); not_better: it is not (H0 accepted); inconclusive: max pairs played, or 5 pairs lost to platform failures (see note)" },
    note: nullable("string"), createdAt: str, decidedAt: nullable("string"),
    hypotheses: obj({ elo0: { type: "number" }, elo1: { type: "number" }, alpha: { type: "number" }, beta: { type: "number" }, maxPairs: int }),
    pairs: int, pentanomial: { type: "array", items: int, description: "complete pairs in which the candidate scored 0, ½, 1, 1½ and 2 points" },
    llr: { type: "number" }, lowerBound: { type: "number" }, upperBound: { type: "number" },
    elo: { type: ["number", "null"] }, eloLow: { type: ["number", "null"] }, eloHigh: { type: ["number", "null"] },
    games: { type: "array", items: obj({ matchId: str, pair: int, status: str, candidateSeat: int, winnerSeat: nullable("integer"), endReason: nullable("string") }) } }),
  Runtimes: obj({ executor: { enum: ["local", "kubernetes"] },
    runtimes: { type: "array", items: obj({ name: str, path: { type: "string", description: "where it is in the sandbox (local), or its base image (kubernetes)" }, version: str }) },
    dockerfile: { type: "boolean", description: "an archive with a Dockerfile at its root is built into an image of its own (Kubernetes only)" }, note: str }),
  Environment: obj({ id: str, version: str, name: str, config: { type: "object" }, activeAgents: { type: "integer" }, description: { type: ["object", "null"] }, createdAt: str, updatedAt: str }),
};

const schemaOf = (s: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Json;
  return rest;
};

function operationJson(op: Operation): Json {
  const params: Json[] = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: str }));
  if (op.query) {
    const q = schemaOf(op.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) params.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema });
  }
  const responses: Json = {
    [op.ok.status]: { description: op.ok.description, content: op.ok.content ?? { "application/json": { schema: op.ok.schema } } },
  };
  for (const status of op.errors) responses[status] = { description: ERROR_TEXT[status], content: { "application/json": { schema: ref("Error") } } };
  const out: Json = { tags: [op.tag], summary: op.summary, operationId: `${op.method}${op.path.replace(/[{}]/g, "").replace(/\/(\w)/g, (_, ch: string) => ch.toUpperCase()).replace(/[^A-Za-z0-9]/g, "")}`, parameters: params, responses };
  if (op.auth) out.security = [{ bearer: [] }, { cookie: [] }];
  if (op.rateLimit) out.description = `Rate limited (class \`${op.rateLimit}\`): X-RateLimit-Limit/Remaining/Reset on every answer, 429 with Retry-After when exhausted.`;
  if (op.auth === "owner") out.description = `${out.description ?? ""} Only the agent's owner may do this.`.trim();
  if (op.body) out.requestBody = { required: true, content: { "application/json": { schema: schemaOf(op.body) } } };
  if (op.multipart) {
    out.requestBody = { required: true, content: { "multipart/form-data": { schema: obj({ agentId: { type: "string", format: "uuid" }, file: { type: "string", format: "binary" } }) } } };
  }
  return out;
}

let cached: { maxUploadBytes: number; doc: Json } | null = null;

/**
 * The OpenAPI 3.1 document of /api/v1, built from the same zod schemas the handlers use, with
 * the upload limit of the settings (upload_limits()) written in where the text names it; rebuilt
 * only when that limit changes.
 */
export function openApiDocument(limits: { maxUploadBytes: number }): Json {
  if (cached?.maxUploadBytes === limits.maxUploadBytes) return cached.doc;
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operationJson(op);
  const doc: Json = JSON.parse(JSON.stringify({
    openapi: "3.1.0",
    info: { title: "RL-Arena API", version: "1.0.0", description: "Upload agents, follow their builds and matches, read leaderboards and download replays. Lists take ?page=&pageSize= (1–100) and answer {<items>, page, pageSize, total}. Errors are {error, message?, details?}." },
    servers: [{ url: "/api/v1" }],
    tags: ["auth", "agents", "submissions", "matches", "leaderboard", "users", "environments"].map((name) => ({ name })),
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The token from POST /auth/login or /auth/register (24 h, or until a logout, password change or the account is disabled)." },
        cookie: { type: "apiKey", in: "cookie", name: "session", description: "The browser session; changes need a same-origin request." },
      },
    },
  }).replaceAll("{maxUpload}", formatBytes(limits.maxUploadBytes)));
  cached = { maxUploadBytes: limits.maxUploadBytes, doc };
  return doc;
}

/** `/api/docs`: the document rendered as a reference page of the site (views/api_docs.tsx). */
export async function apiDocsPage(doc: Json, viewer: Viewer | null): Promise<string> {
  const node = ApiDocsPage({ viewer, doc }) as unknown as { toString(): string | Promise<string> };
  return "<!DOCTYPE html>" + String(await node.toString());
}
