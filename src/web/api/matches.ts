import type { Context } from "hono";
import { createRoute, z } from "@hono/zod-openapi";
import { isCompactReplay, loadReplay, renderReplayHtml, type Replay } from "rl-arena-env";
import { gzipSync } from "node:zlib";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { reproduceCommand } from "../../../views/matches.tsx";
import { apiArea, camel, idParam, num, pageOf, PageQuery, type Row } from "./common.ts";
import { errors, json, notes, signedIn } from "./route_docs.ts";
import { MatchSchema, pageSchema } from "./schemas.ts";

/** The original API's match shape (agent1 = seat 0, agent2 = seat 1) plus our result fields. */
export function matchJson(row: Row): z.infer<typeof MatchSchema> {
  const d = camel({ c: row.created_at, s: row.started_at, e: row.ended_at });
  const seat = row.winner_seat === null || row.winner_seat === undefined ? null : Number(row.winner_seat);
  const score = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const withReplay = row.has_replay === true;
  return {
    id: row.id,
    environmentId: row.environment_id,
    environmentVersion: row.environment_version,
    status: row.status,
    agent1Id: row.player0_agent_id,
    agent2Id: row.player1_agent_id,
    agent1Name: row.player0_name ?? null,
    agent2Name: row.player1_name ?? null,
    agent1Username: row.player0_owner_username ?? null,
    agent2Username: row.player1_owner_username ?? null,
    agent1Version: row.player0_version ?? null,
    agent2Version: row.player1_version ?? null,
    agent1SubmissionId: row.player0_submission_id,
    agent2SubmissionId: row.player1_submission_id,
    winnerId: seat === 0 ? row.player0_agent_id : seat === 1 ? row.player1_agent_id : null,
    winnerSeat: seat,
    agent1Score: score(row.player0_score),
    agent2Score: score(row.player1_score),
    agent1EloChange: score(row.player0_rating_change),
    agent2EloChange: score(row.player1_rating_change),
    agent1RatingAfter: score(row.player0_rating_after),
    agent2RatingAfter: score(row.player1_rating_after),
    endReason: row.end_reason ?? null,
    totalSteps: score(row.total_steps),
    errorMessage: row.error ?? null,
    isPublic: true,
    replayUrl: withReplay ? `/api/v1/matches/${row.id}/replay?format=json` : null,
    replayHtmlUrl: withReplay ? `/api/v1/matches/${row.id}/replay?format=html` : null,
    createdAt: d.c,
    startedAt: d.s ?? null,
    completedAt: d.e ?? null,
  };
}

const matchSelect = (deps: WebDeps) => deps.sql`select * from match_summaries m`;

export const MatchListQuery = PageQuery.extend({
  environmentId: z.string().min(1).max(50).optional(),
  status: z.enum(["pending", "running", "completed", "failed"]).optional(),
});
/**
 * json: every frame (rebuilt from a compact replay on demand); compact: the stored form as it
 * is (a compact replay the player re-simulates, or the frames of an older or unrepeatable
 * match); html: the self-contained player file.
 */
export const ReplayQuery = z.object({ format: z.enum(["json", "compact", "html"], { message: "format must be json, compact or html" }).default("json") });

async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/**
 * The frame replay of a stored one: the text itself when it holds frames, else the compact
 * replay re-simulated. A compact replay this server cannot rebuild (an environment version it
 * no longer has) is a 409 naming the version; its compact form stays downloadable.
 */
function framesOf(matchId: string, stored: string): string | Replay {
  const doc = JSON.parse(stored);
  if (!isCompactReplay(doc)) return stored;
  try {
    return loadReplay(doc);
  } catch (error) {
    throw new HttpError(409, "replay_unplayable", `the replay of match ${matchId} cannot be rebuilt here: ${(error as Error).message}; its compact form is at ?format=compact`);
  }
}

/**
 * The caller's own seats (their logs and step timelines) for the HTML download's debug panel:
 * an agent's owner gets their seats, an admin all, anyone else (or nobody signed in) none.
 */
async function ownDebug(deps: WebDeps, userId: string | null, matchId: string) {
  if (!userId) return null;
  try {
    const logs = await deps.sql`select seat, agent_name, log, timing from match_logs_for(${userId}, ${matchId})`;
    return logs.length ? { seats: logs.map((l) => ({ seat: Number(l.seat), name: String(l.agent_name), log: String(l.log), timing: l.timing ?? null })) } : null;
  } catch (error) {
    if (["RLA14", "RLA10", "RLA13"].includes(String((error as { code?: unknown }).code))) return null;
    throw error;
  }
}

/** The self-contained player; with the caller's own seats' logs when they played in the match. */
async function replayHtml(deps: WebDeps, c: Context<WebEnv>, id: string, data: Uint8Array): Promise<Response> {
  const debug = await ownDebug(deps, c.var.user?.id ?? null, id);
  const html = renderReplayHtml(framesOf(id, await gunzip(data)), { debug });
  if (debug) c.header("Cache-Control", "private, no-store"); // the owner's logs: never from a shared cache
  c.header("Content-Disposition", `attachment; filename="replay_${id}.html"`);
  return c.body(html, 200, { "Content-Type": "text/html; charset=utf-8" });
}

/** The JSON file: every frame (json) or the stored form (compact); gzip as stored when the client takes it. */
async function replayJson(c: Context<WebEnv>, id: string, data: Uint8Array, format: "json" | "compact"): Promise<Response> {
  c.header("Vary", "Accept-Encoding");
  c.header("Content-Disposition", `attachment; filename="replay_${id}${format === "compact" ? ".compact" : ""}.json"`);
  const gzipOk = /\bgzip\b/i.test(c.req.header("accept-encoding") ?? "");
  let bytes: Uint8Array = data;
  let text: string | null = null;
  if (format === "json") {
    // Frames are built on demand from a compact replay; older replays are frames already.
    const stored = await gunzip(data);
    const frames = framesOf(id, stored);
    text = frames === stored ? stored : JSON.stringify(frames);
    if (text !== stored) bytes = gzipSync(text);
  }
  // The stored bytes are already gzip: sent as they are, the client inflates them.
  if (gzipOk) return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
  return c.body(text ?? (await gunzip(data)), 200, { "Content-Type": "application/json" });
}

const tags = ["matches"];
const idPath = z.object({ id: idParam("match") });
const matchPage = json("A page of matches", pageSchema("matches", MatchSchema));
const LogsSchema = z.object({ matchId: z.string(), status: z.string(), logs: z.array(z.object({
  seat: z.number().int(), agentId: z.string(), agentName: z.string(), log: z.string(), truncated: z.boolean(),
  timing: z.looseObject({}).nullable().openapi({ description: "The referee's step timeline of this seat: step_timeout_ms, time_bank_ms, init_ms, init_lines, and per request r (its answer led to frame r + 1) ms[r], bank_ms[r], lines[r] (stderr lines written by then); null for older matches" }),
})) });
const ReproduceSchema = z.object({ matchId: z.string(), environmentId: z.string(), environmentVersion: z.string(), replayUrl: z.string(),
  seats: z.array(z.object({ seat: z.number().int(), agentId: z.string(), agentName: z.string(), command: z.string() })) });

/** `/matches`: lists, one match, replay downloads (JSON or HTML), the caller's own agents' logs. */
export function matchesApi(deps: WebDeps) {
  const app = apiArea();
  const list = async (q: z.infer<typeof MatchListQuery>, agentId: string | null) => {
    const rows = await deps.sql`
      select *, count(*) over () as total_count from (${matchSelect(deps)}) m
      where ${q.environmentId ? deps.sql`environment_id = ${q.environmentId}` : deps.sql`true`}
        and ${q.status ? deps.sql`status = ${q.status}` : deps.sql`true`}
        and ${agentId ? deps.sql`(player0_agent_id = ${agentId} or player1_agent_id = ${agentId})` : deps.sql`true`}
      order by created_at desc, id limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    return { matches: rows.map(matchJson), ...pageOf(q, num(rows[0]?.total_count)) };
  };
  app.openapi(createRoute({
    method: "get", path: "/", tags, summary: "Matches, newest first", request: { query: MatchListQuery }, responses: { 200: matchPage, ...errors(400) },
  }), async (c) => c.json(await list(c.req.valid("query"), null), 200));
  app.openapi(createRoute({
    method: "get", path: "/agent/{agentId}", tags, summary: "An agent's matches, newest first",
    request: { params: z.object({ agentId: idParam("agent") }), query: MatchListQuery }, responses: { 200: matchPage, ...errors(400, 404) },
  }), async (c) => {
    const { agentId } = c.req.valid("param");
    const [{ exists }] = await deps.sql`select agent_exists(${agentId}, true) as exists`; // a deleted agent's matches stay readable
    if (!exists) throw new HttpError(404, "not_found", `agent ${agentId} does not exist`);
    return c.json(await list(c.req.valid("query"), agentId), 200);
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}", tags, summary: "One match", request: { params: idPath },
    responses: { 200: json("The match", z.object({ match: MatchSchema })), ...errors(404) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    const [row] = await deps.sql`${matchSelect(deps)} where m.id = ${id}`;
    if (!row) throw new HttpError(404, "not_found", `match ${id} does not exist`);
    return c.json({ match: matchJson(row) }, 200);
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}/replay", tags, description: notes({ rateLimit: "replay" }),
    summary: "Download the replay: json = every frame (rebuilt on demand from a compact replay; gzip when accepted), compact = as stored (schema 2: environment, seed and actions, which the player re-simulates; older matches: frames), html = a self-contained player (with your own seats' logs and timelines when you played in it)",
    middleware: rateLimit(deps, "replay"), request: { params: idPath, query: ReplayQuery },
    responses: {
      200: { description: "The replay file", content: { "application/json": { schema: z.looseObject({}) }, "text/html": { schema: z.string() } } },
      ...errors(400, 404, 409, 429),
    },
  }), async (c) => {
    const { id } = c.req.valid("param");
    const { format } = c.req.valid("query");
    const [row] = await deps.sql<{ status: string; data: Uint8Array | null }[]>`select status, data from match_replay(${id})`;
    if (!row) throw new HttpError(404, "not_found", `match ${id} does not exist`);
    if (!row.data) throw new HttpError(404, "not_found", `match ${id} has no replay (status ${row.status})`);
    // The file is sent as bytes or text in the documented media types; the compiler cannot check them.
    if (format === "html") return replayHtml(deps, c, id, row.data) as never;
    return replayJson(c, id, row.data, format) as never;
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}/reproduce", tags, summary: "Your seats of a match with the command that plays them again at home (rl-arena-env reproduce)",
    security: signedIn, middleware: requireUser, request: { params: idPath },
    responses: { 200: json("The caller's seats and commands", ReproduceSchema), ...errors(401, 403, 404) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    // match_logs_for: RLA50 (404) unknown match, RLA14 (403) none of the caller's agents played.
    const seats = await deps.sql`select seat, agent_id, agent_name from match_logs_for(${currentUser(c).id}, ${id})`;
    const [m] = await deps.sql`select environment_id, environment_version, has_replay from match_summaries where id = ${id}`;
    if (!m!.has_replay) throw new HttpError(404, "not_found", `match ${id} has no replay to reproduce`);
    const origin = new URL(c.req.url).origin;
    return c.json({
      matchId: id,
      environmentId: m!.environment_id,
      environmentVersion: m!.environment_version,
      replayUrl: `/api/v1/matches/${id}/replay?format=json`,
      seats: seats.map((s) => ({ seat: Number(s.seat), agentId: s.agent_id, agentName: s.agent_name, command: reproduceCommand(origin, id, Number(s.seat)) })),
    }, 200);
  });
  app.openapi(createRoute({
    method: "get", path: "/{id}/logs", tags, summary: "The caller's own agents' stderr for this match",
    security: signedIn, middleware: requireUser, request: { params: idPath },
    responses: { 200: json("Logs of the caller's seats", LogsSchema), ...errors(401, 403, 404) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    // match_logs_for: RLA50 (404) unknown match, RLA14 (403) none of the caller's agents played.
    // Each seat's step timeline comes with its log (issue 14; null for matches from before it).
    const logs = await deps.sql`select * from match_logs_for(${currentUser(c).id}, ${id})`;
    const [{ status }] = await deps.sql`select status from match_summaries where id = ${id}`;
    return c.json({
      matchId: id,
      status,
      logs: logs.map((l) => ({ seat: Number(l.seat), agentId: l.agent_id, agentName: l.agent_name, log: l.log, truncated: l.truncated === true, timing: l.timing ?? null })),
    }, 200);
  });
  return app;
}
