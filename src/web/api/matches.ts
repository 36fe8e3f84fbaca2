import { Hono } from "hono";
import { z } from "zod";
import { isCompactReplay, loadReplay, renderReplayHtml, type Replay } from "rl-arena-env";
import { gzipSync } from "node:zlib";
import { currentUser, requireUser } from "../http/authentication.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { rateLimit } from "../http/rate_limit.ts";
import { reproduceCommand } from "../../../views/matches.tsx";
import { camel, num, pageOf, PageQuery, parse, pathId } from "./common.ts";

/** The original API's match shape (agent1 = seat 0, agent2 = seat 1) plus our result fields. */
export function matchJson(row: Record<string, unknown>) {
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

/** `/matches`: lists, one match, replay downloads (JSON or HTML), the caller's own agents' logs. */
export function matchesApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const list = async (q: z.infer<typeof MatchListQuery>, agentId: string | null) => {
    const rows = await deps.sql`
      select *, count(*) over () as total_count from (${matchSelect(deps)}) m
      where ${q.environmentId ? deps.sql`environment_id = ${q.environmentId}` : deps.sql`true`}
        and ${q.status ? deps.sql`status = ${q.status}` : deps.sql`true`}
        and ${agentId ? deps.sql`(player0_agent_id = ${agentId} or player1_agent_id = ${agentId})` : deps.sql`true`}
      order by created_at desc, id limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`;
    return { matches: rows.map(matchJson), ...pageOf(q, num(rows[0]?.total_count)) };
  };
  app.get("/", async (c) => c.json(await list(parse(MatchListQuery, c.req.query()), null)));
  app.get("/agent/:agentId", async (c) => {
    const agentId = pathId("agent", c.req.param("agentId"));
    const [agent] = await deps.sql`select 1 from agents where id = ${agentId}`;
    if (!agent) throw new HttpError(404, "not_found", `agent ${agentId} does not exist`);
    return c.json(await list(parse(MatchListQuery, c.req.query()), agentId));
  });
  app.get("/:id", async (c) => {
    const id = pathId("match", c.req.param("id"));
    const [row] = await deps.sql`${matchSelect(deps)} where m.id = ${id}`;
    if (!row) throw new HttpError(404, "not_found", `match ${id} does not exist`);
    return c.json({ match: matchJson(row) });
  });
  app.get("/:id/replay", rateLimit(deps, "replay"), async (c) => {
    const id = pathId("match", c.req.param("id"));
    const { format } = parse(ReplayQuery, c.req.query());
    const [row] = await deps.sql<{ status: string; data: Uint8Array | null }[]>`select status, data from match_replay(${id})`;
    if (!row) throw new HttpError(404, "not_found", `match ${id} does not exist`);
    if (!row.data) throw new HttpError(404, "not_found", `match ${id} has no replay (status ${row.status})`);
    if (format === "html") {
      const debug = await ownDebug(deps, c.var.user?.id ?? null, id);
      const html = renderReplayHtml(framesOf(id, await gunzip(row.data)), { debug });
      if (debug) c.header("Cache-Control", "private, no-store"); // the owner's logs: never from a shared cache
      c.header("Content-Disposition", `attachment; filename="replay_${id}.html"`);
      return c.body(html, 200, { "Content-Type": "text/html; charset=utf-8" });
    }
    c.header("Vary", "Accept-Encoding");
    c.header("Content-Disposition", `attachment; filename="replay_${id}${format === "compact" ? ".compact" : ""}.json"`);
    const gzipOk = /\bgzip\b/i.test(c.req.header("accept-encoding") ?? "");
    let bytes: Uint8Array = row.data;
    let text: string | null = null;
    if (format === "json") {
      // Frames are built on demand from a compact replay; older replays are frames already.
      const stored = await gunzip(row.data);
      const frames = framesOf(id, stored);
      text = frames === stored ? stored : JSON.stringify(frames);
      if (text !== stored) bytes = gzipSync(text);
    }
    // The stored bytes are already gzip: sent as they are, the client inflates them.
    if (gzipOk) return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
    return c.body(text ?? (await gunzip(row.data)), 200, { "Content-Type": "application/json" });
  });
  app.get("/:id/reproduce", requireUser, async (c) => {
    const id = pathId("match", c.req.param("id"));
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
    });
  });
  app.get("/:id/logs", requireUser, async (c) => {
    const id = pathId("match", c.req.param("id"));
    // match_logs_for: RLA50 (404) unknown match, RLA14 (403) none of the caller's agents played.
    // Each seat's step timeline comes with its log (issue 14; null for matches from before it).
    const logs = await deps.sql`select * from match_logs_for(${currentUser(c).id}, ${id})`;
    const [{ status }] = await deps.sql`select status from match_summaries where id = ${id}`;
    return c.json({
      matchId: id,
      status,
      logs: logs.map((l) => ({ seat: Number(l.seat), agentId: l.agent_id, agentName: l.agent_name, log: l.log, truncated: l.truncated === true, timing: l.timing ?? null })),
    });
  });
  return app;
}
