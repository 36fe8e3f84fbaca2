import type { FC } from "hono/jsx";
import { Badge, Delta, Empty, LogText, Pager, Time } from "./components.tsx";
import { Section, type PageHead } from "./layout.tsx";
import type { AgentLog, MatchItem, Page } from "./models.ts";
import { topic } from "../src/web/live/topics.ts";

const oob = (on?: boolean) => (on ? { "hx-swap-oob": "true" } : {});

/** "won", "lost", "draw" or "" from one seat's point of view. */
export function outcomeFor(match: MatchItem, seat: number): "won" | "lost" | "draw" | "" {
  if (match.status !== "completed") return "";
  if (match.winnerSeat === null) return "draw";
  return match.winnerSeat === seat ? "won" : "lost";
}

/** One line of a match feed. */
export const MatchFeedItem: FC<{ match: MatchItem; showEnvironment?: boolean }> = ({ match, showEnvironment }) => {
  const [p0, p1] = match.players;
  return (
    <li id={`feed-${match.id}`} data-status={match.status}>
      <Badge status={match.status} label={match.status === "completed" ? (match.winnerSeat === null ? "draw" : "finished") : match.status} />
      {showEnvironment && <a class="muted" href={`/environments/${match.environment}`}>{match.environment}</a>}
      <span>
        <a href={`/agents/${p0.agentId}`} class={outcomeFor(match, 0) === "won" ? "winner" : undefined}>{p0.agentName}</a>{" "}
        <Delta value={p0.ratingChange} />
      </span>
      <span class="vs">vs</span>
      <span>
        <a href={`/agents/${p1.agentId}`} class={outcomeFor(match, 1) === "won" ? "winner" : undefined}>{p1.agentName}</a>{" "}
        <Delta value={p1.ratingChange} />
      </span>
      {match.endReason && <span class="muted">({match.endReason})</span>}
      <a class="when" href={`/matches/${match.id}`}>
        <Time at={match.endedAt ?? match.startedAt ?? match.createdAt} /> →
      </a>
    </li>
  );
};

/** A list of matches; `id` is the live region the SSE stream replaces. */
export const MatchFeed: FC<{ id: string; matches: MatchItem[]; showEnvironment?: boolean; swapOob?: boolean }> = ({ id, matches, showEnvironment, swapOob }) => (
  <ul class="feed" id={id} {...oob(swapOob)}>
    {matches.length === 0 ? <li class="empty">No matches yet — they appear here as they are played.</li> : matches.map((m) => <MatchFeedItem match={m} showEnvironment={showEnvironment} />)}
  </ul>
);

/** `/matches`' head: its first page is live. */
export const matchesHead = (page: Page, since: string): PageHead => ({ title: "Live matches", nav: "matches", live: page.page === 1 ? { topics: [topic.feed()], since } : null });

/** `/matches`: the live feed of every environment. */
export const MatchesPage: FC<{ matches: MatchItem[]; page: Page }> = ({ matches, page }) => (
  <>
    <div class="page-head">
      <div>
        <h1>Live matches</h1>
        <p>Every match on the platform, newest first. {page.page === 1 && "New ones appear as they start and finish."}</p>
      </div>
    </div>
    <section class="card">
      <MatchFeed id="match-feed" matches={matches} showEnvironment />
      <Pager page={page} href={(p) => `/matches?page=${p}`} />
    </section>
  </>
);

/** The result block of the match page (players, seats, score, end reason, rating changes). */
export const MatchMain: FC<{ match: MatchItem; hasReplay: boolean; score?: [string, string] | null; swapOob?: boolean; ownLogs?: boolean }> = ({ match, hasReplay, score, swapOob, ownLogs }) => {
  const changes = match.players.map((p) => p.ratingChange);
  const uneven = changes.every((c) => typeof c === "number") && (changes[0] as number) + (changes[1] as number) !== 0;
  const [p0, p1] = match.players;
  const Player: FC<{ p: typeof p0 }> = ({ p }) => (
    <div class={`player ${outcomeFor(match, p.seat)}`} data-seat={p.seat}>
      <div class="muted">seat {p.seat} · {p.seat === 0 ? "left / first" : "right / second"}</div>
      <h3><a href={`/agents/${p.agentId}`}>{p.agentName}</a></h3>
      <div class="muted">by <a href={`/users/${p.ownerName}`}>{p.ownerName}</a></div>
      <div>
        {p.ratingBefore ?? "—"} <Delta value={p.ratingChange} />
      </div>
    </div>
  );
  return (
    <div id="match-main" {...oob(swapOob)}>
      <section class="card">
        <div class="players">
          <Player p={p0} />
          <div>
            {/* The game's own score (points, or 1 : 0 for a win); reward sums are the referee's business. */}
            <div class="score" id="match-score">{score ? `${score[0]} : ${score[1]}` : "– : –"}</div>
            <Badge status={match.status} label={match.status === "completed" ? (match.winnerSeat === null ? "draw" : `${match.players[match.winnerSeat].agentName} won`) : match.status} />
            {match.endReason && <div class="muted" id="end-reason">end: {match.endReason}</div>}
          </div>
          <Player p={p1} />
        </div>
        {uneven && (
          <p class="muted" id="rating-note">The rating changes do not cancel out: each agent moves by its own K-factor, larger while it has
            played few games (settings <code>k_factor_new</code>, <code>k_factor_mid</code>, <code>k_factor</code>), and ratings are rounded.</p>
        )}
        {match.error && <p class="notice bad">The platform failed to run this match: {match.error}. No rating changed.</p>}
        <dl class="kv spaced">
          <dt>Environment</dt><dd><a href={`/environments/${match.environment}`}>{match.environment}</a></dd>
          <dt>Created</dt><dd><Time at={match.createdAt} /></dd>
          <dt>Started</dt><dd><Time at={match.startedAt} /></dd>
          <dt>Ended</dt><dd><Time at={match.endedAt} /></dd>
        </dl>
      </section>
      <Section title="Replay" id="replay-section" actions={hasReplay ? (
        <div class="actions">
          <a class="button small" href={`/api/v1/matches/${match.id}/replay?format=json`} download>Download JSON</a>
          <a class="button small" href={`/api/v1/matches/${match.id}/replay?format=html`} download>Download HTML</a>
        </div>
      ) : undefined}>
        {hasReplay ? (
          <div class="replay" id="replay" data-replay-src={`/api/v1/matches/${match.id}/replay?format=compact`}
            data-logs-src={ownLogs ? `/api/v1/matches/${match.id}/logs` : undefined}>
            <noscript>The replay player needs JavaScript; download the HTML replay to watch it offline.</noscript>
          </div>
        ) : (
          <Empty>{match.status === "pending" || match.status === "running" ? "The replay appears here when the match ends." : "No replay was stored for this match."}</Empty>
        )}
      </Section>
    </div>
  );
};

/** The command that plays `seat` of a recorded match again at home (rl-arena-env reproduce). */
export function reproduceCommand(origin: string, matchId: string, seat: number): string {
  return `npx rl-arena-env reproduce ${matchId} --seat ${seat} ./my-agent --platform ${origin}`;
}

/** `/matches/:id`'s head: live until the match ends. */
export const matchHead = (match: MatchItem, since: string): PageHead => ({
  title: `${match.players[0].agentName} vs ${match.players[1].agentName}`, nav: "matches",
  live: match.status === "pending" || match.status === "running" ? { topics: [topic.match(match.id)], since } : null,
});

/** `/matches/:id`; `origin` (this site's address) goes into the reproduce commands. */
export const MatchPage: FC<{ match: MatchItem; hasReplay: boolean; score?: [string, string] | null; logs: AgentLog[]; playerScript: string | null; origin?: string }> = ({ match, hasReplay, score, logs, playerScript, origin }) => (
  <>
    <div class="page-head">
      <div>
        <h1>{match.players[0].agentName} <span class="muted">vs</span> {match.players[1].agentName}</h1>
        <p>Match <code>{match.id}</code></p>
      </div>
    </div>
    {/* The viewer's own seats' logs and step timelines go into the player too (issue 14). */}
    <MatchMain match={match} hasReplay={hasReplay} score={score} ownLogs={logs.length > 0} />
    {logs.length > 0 && (
      <Section title="Your agents' logs" id="match-logs">
        {logs.map((l) => (
          <>
            <h3>{l.agentName} <span class="muted">(seat {l.seat})</span></h3>
            {l.log ? <LogText text={l.log} /> : <Empty>The agent wrote nothing to stderr.</Empty>}
            {hasReplay && origin && (
              <p class="reproduce">Replay this seat against the record at home (the first step your agent answers differently, or "identical"):{" "}
                <code data-seat={l.seat}>{reproduceCommand(origin, match.id, l.seat)}</code></p>
            )}
          </>
        ))}
      </Section>
    )}
    {playerScript && <script src={playerScript} defer></script>}
  </>
);
