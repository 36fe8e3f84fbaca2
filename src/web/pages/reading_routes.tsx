import { agentHead, AgentPage } from "../../../views/agents.tsx";
import { EnvironmentPage, environmentHead, homeHead, HomePage } from "../../../views/environments.tsx";
import { matchesHead, MatchesPage, matchHead, MatchPage } from "../../../views/matches.tsx";
import { uploadLimits } from "../../submissions/upload_limits.ts";
import type { WebDeps } from "../deps.ts";
import { gameScore } from "./game_score.ts";
import { HttpError } from "../http/error_responses.ts";
import { pageApp, pageNumber, uuidParam, viewerOf } from "./common.tsx";
import * as q from "../queries.ts";
import type { LiveHub } from "../live/hub.ts";
import { agentVersionTests } from "./version_test_routes.tsx";

const FEED_SIZE = 20;
const LEADERBOARD_SIZE = 50;

/**
 * The public reading pages: `/`, `/environments/:id`, `/matches`, `/matches/:id`, `/agents/:id`.
 * Each page records the hub's current event id, so its SSE stream resumes exactly from the
 * moment it was rendered.
 */
export function readingRoutes(deps: WebDeps, hub: LiveHub, playerScript: string | null) {
  const app = pageApp(deps);
  const { sql } = deps;

  app.get("/", async (c) => {
    const since = hub.lastId();
    const [cards, matches] = await Promise.all([q.environmentCards(sql), q.recentMatches(sql, {}, FEED_SIZE)]);
    return c.render(<HomePage viewer={viewerOf(c)} cards={cards} matches={matches} />, homeHead(since));
  });

  app.get("/environments/:id", async (c) => {
    const since = hub.lastId();
    const viewer = viewerOf(c);
    const env = await q.getEnvironment(sql, c.req.param("id"));
    if (!env) throw new HttpError(404, "not_found", `environment ${JSON.stringify(c.req.param("id"))} does not exist`);
    const [leaders, matches, myAgents, mySubmissions, limits] = await Promise.all([
      q.leaderboard(sql, env.id, LEADERBOARD_SIZE),
      q.recentMatches(sql, { environment: env.id }, FEED_SIZE),
      viewer ? q.userAgents(sql, viewer.id, env.id) : [],
      viewer ? q.userSubmissions(sql, viewer.id, env.id) : [],
      uploadLimits(sql),
    ]);
    const wanted = c.req.query("agent");
    const selectedAgent = myAgents.find((a) => a.id === wanted)?.id ?? myAgents[0]?.id ?? null;
    return c.render(<EnvironmentPage viewer={viewer} env={env} leaders={leaders} matches={matches} myAgents={myAgents}
      mySubmissions={mySubmissions} selectedAgent={selectedAgent} maxUploadBytes={limits.maxPackedBytes} />, environmentHead(env, viewer, since));
  });

  app.get("/matches", async (c) => {
    const since = hub.lastId();
    const page = pageNumber(c);
    const rows = await q.recentMatches(sql, {}, FEED_SIZE + 1, (page - 1) * FEED_SIZE);
    const pageOf = { page, pageSize: FEED_SIZE, hasNext: rows.length > FEED_SIZE };
    return c.render(<MatchesPage matches={rows.slice(0, FEED_SIZE)} page={pageOf} />, matchesHead(pageOf, since));
  });

  app.get("/matches/:id", async (c) => {
    const since = hub.lastId();
    const viewer = viewerOf(c);
    const id = uuidParam("match", c.req.param("id"));
    const match = await q.getMatch(sql, id);
    if (!match) throw new HttpError(404, "not_found", `match ${id} does not exist`);
    const [replay, logs, score] = await Promise.all([q.hasReplay(sql, id), viewer ? q.ownMatchLogs(sql, id, viewer.id) : [], gameScore(sql, match)]);
    return c.render(<MatchPage match={match} hasReplay={replay} score={score} logs={logs} playerScript={playerScript}
      origin={new URL(c.req.url).origin} />, matchHead(match, since));
  });

  app.get("/agents/:id", async (c) => {
    const since = hub.lastId();
    const viewer = viewerOf(c);
    const id = uuidParam("agent", c.req.param("id"));
    const page = pageNumber(c);
    const agent = await q.getAgent(sql, id);
    if (!agent) throw new HttpError(404, "not_found", `agent ${id} does not exist`);
    const owner = viewer?.id === agent.ownerId;
    const [history, h2h, matches, submissions, limits, myAgents, versionTests] = await Promise.all([
      q.ratingHistory(sql, id),
      q.headToHead(sql, id),
      q.recentMatches(sql, { agentId: id }, FEED_SIZE + 1, (page - 1) * FEED_SIZE),
      q.agentSubmissions(sql, id, owner ? viewer!.id : null),
      uploadLimits(sql),
      viewer ? q.userAgents(sql, viewer.id, agent.environment) : [], // the challenge button's choices
      agentVersionTests(sql, id),
    ]);
    return c.render(<AgentPage viewer={viewer} agent={agent} history={history} headToHead={h2h} matches={matches.slice(0, FEED_SIZE)}
      page={{ page, pageSize: FEED_SIZE, hasNext: matches.length > FEED_SIZE }} submissions={submissions} maxUploadBytes={limits.maxPackedBytes}
      challengers={myAgents.filter((a) => a.id !== id && a.activeVersion !== null && !a.disabled)} versionTests={versionTests}
      origin={new URL(c.req.url).origin} />, agentHead(agent, viewer, since));
  });
  return app;
}
