import type { Sql } from "postgres";
import { AgentMatches, AgentSummary, HeadToHead } from "../../../views/agents.tsx";
import { EnvironmentCards } from "../../../views/environments.tsx";
import { LeaderboardBody } from "../../../views/leaderboard.tsx";
import { MatchFeed, MatchMain } from "../../../views/matches.tsx";
import { SubmissionRow } from "../../../views/submissions.tsx";
import { VersionTestMain, type VersionTestReport } from "../../../views/version_tests.tsx";
import { versionTestReport } from "../api/version_tests.ts";
import { gameScore } from "../pages/game_score.ts";
import * as q from "../queries.ts";
import type { ArenaEvent, TopicRenderer } from "./hub.ts";
import { parseTopic, type TopicKind } from "./topics.ts";

const FEED_SIZE = 20;
const LEADERBOARD_SIZE = 50;

// SSE fragments are strings written to an open stream, not responses, so Hono's jsxRenderer
// (c.render, the pages' layout) does not apply: they are rendered to strings here.
const str = async (node: unknown) => String(await (node as { toString(): string | Promise<string> }).toString());

type Render = (arg: string, ownerId: string | null, events: ArenaEvent[]) => Promise<string>;

/**
 * What each live topic sends: the same fragments the pages render, marked `hx-swap-oob` so
 * that htmx puts each one in its place. Snapshot topics re-render their whole region (so a
 * missed event never leaves a page wrong); `submissions` sends one row per changed submission.
 * One renderer per kind of topics.ts (a Record, so a new kind cannot go unrendered).
 */
export function liveRenderer(sql: Sql): TopicRenderer {
  const renderers: Record<TopicKind, Render> = {
    feed: async () => str(<MatchFeed id="match-feed" matches={await q.recentMatches(sql, {}, FEED_SIZE)} showEnvironment swapOob />),
    leaders: async () => str(<EnvironmentCards cards={await q.environmentCards(sql)} swapOob />),
    submissions: async (_arg, ownerId, events) => {
      const ids = [...new Set(events.map((e) => e.submissionId).filter((id): id is string => Boolean(id)))];
      const rows = (await Promise.all(ids.map((id) => q.getSubmission(sql, id)))).filter((s) => s && s.ownerId === ownerId);
      return (await Promise.all(rows.map((s) => str(<SubmissionRow s={s!} owner showAgent swapOob />)))).join("");
    },
    environmentFeed: async (id) => str(<MatchFeed id={`match-feed-${id}`} matches={await q.recentMatches(sql, { environment: id }, FEED_SIZE)} swapOob />),
    leaderboard: async (id) => str(<LeaderboardBody environment={id} rows={await q.leaderboard(sql, id, LEADERBOARD_SIZE)} swapOob />),
    agent: async (id) => {
      const [agent, history, matches, h2h] = await Promise.all([q.getAgent(sql, id), q.ratingHistory(sql, id),
        q.recentMatches(sql, { agentId: id }, FEED_SIZE + 1), q.headToHead(sql, id)]);
      if (!agent) return "";
      return (await str(<AgentSummary agent={agent} history={history} swapOob />)) +
        (await str(<HeadToHead rows={h2h} swapOob />)) +
        (await str(<AgentMatches agentId={id} matches={matches.slice(0, FEED_SIZE)} page={{ page: 1, pageSize: FEED_SIZE, hasNext: matches.length > FEED_SIZE }} swapOob />));
    },
    match: async (id) => {
      const match = await q.getMatch(sql, id);
      if (!match) return "";
      const [replay, score] = await Promise.all([q.hasReplay(sql, id), gameScore(sql, match)]);
      return str(<MatchMain match={match} hasReplay={replay} score={score} swapOob />);
    },
    versionTest: async (id) => {
      const t = await versionTestReport(sql, id);
      return t ? str(<VersionTestMain t={t as VersionTestReport} swapOob />) : "";
    },
  };
  return async (name: string, ownerId: string | null, events: ArenaEvent[]): Promise<string> => {
    const parsed = parseTopic(name);
    return parsed ? renderers[parsed.kind](parsed.arg, ownerId, events) : "";
  };
}
