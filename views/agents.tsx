import type { FC } from "hono/jsx";
import { Empty, FieldError, Pager, Record, Time } from "./components.tsx";
import { UploadForm } from "./environments.tsx";
import { Section, type PageHead } from "./layout.tsx";
import { MatchFeed, reproduceCommand } from "./matches.tsx";
import type { AgentDetail, FieldErrors, HeadToHeadRow, MatchItem, OwnAgent, Page, RatingPoint, SubmissionItem, Viewer } from "./models.ts";
import { RatingChart } from "./rating_chart.tsx";
import { SkillValue } from "./skill.tsx";
import { SubmissionsTable } from "./submissions.tsx";
import { VersionTestList, type VersionTestItem } from "./version_tests.tsx";
import { topic } from "../src/web/live/topics.ts";

const oob = (on?: boolean) => (on ? { "hx-swap-oob": "true" } : {});

/** Rating, record and chart: the live part of the agent page that changes after each match. */
export const AgentSummary: FC<{ agent: AgentDetail; history: RatingPoint[]; swapOob?: boolean }> = ({ agent, history, swapOob }) => (
  <section class="card" id="agent-summary" {...oob(swapOob)}>
    <div class="stats">
      <div class="stat"><b id="agent-rating">{agent.rating}</b><span>rating</span></div>
      <div class="stat"><b><Record wins={agent.wins} losses={agent.losses} draws={agent.draws} /></b><span>W-L-D</span></div>
      <div class="stat"><b>{agent.games}</b><span>games</span></div>
      <div class="stat"><b id="agent-skill"><SkillValue skill={agent.skill} /></b><span>skill (± 95 %)</span></div>
      <div class="stat"><b>{agent.activeVersion ? `v${agent.activeVersion}` : "—"}</b><span>active version</span></div>
    </div>
    {agent.waitingReason ? <p class="muted" id="agent-waiting">Waiting for an opponent: {agent.waitingReason}.</p> : null}
    <h3>Rating history</h3>
    <RatingChart points={history} />
  </section>
);

export const AgentMatches: FC<{ matches: MatchItem[]; page: Page; agentId: string; swapOob?: boolean }> = ({ matches, page, agentId, swapOob }) => (
  <div id="agent-matches" {...oob(swapOob)}>
    <MatchFeed id={`agent-feed-${agentId}`} matches={matches} />
    <Pager page={page} href={(p) => `/agents/${agentId}?page=${p}#agent-matches`} />
  </div>
);

/** The agent's record against each opponent; a live region (`agent:<id>`) like the summary. */
export const HeadToHead: FC<{ rows: HeadToHeadRow[]; swapOob?: boolean }> = ({ rows, swapOob }) => (
  <div id="agent-h2h" {...oob(swapOob)}><HeadToHeadTable rows={rows} /></div>
);

export const HeadToHeadTable: FC<{ rows: HeadToHeadRow[] }> = ({ rows }) =>
  rows.length === 0 ? (
    <Empty>No completed matches yet.</Empty>
  ) : (
    <div class="table-wrap">
      <table>
        <thead><tr><th>Opponent</th><th>Owner</th><th class="num">W-L-D</th><th class="num">Games</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td><a href={`/agents/${r.opponentId}`}>{r.opponentName}</a></td>
              <td class="muted">{r.opponentOwner}</td>
              <td class="num"><Record wins={r.wins} losses={r.losses} draws={r.draws} /></td>
              <td class="num">{r.games}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );

/** The owner's edit form (422 re-renders it with errors beside the fields). */
export const EditAgentForm: FC<{ agent: Pick<AgentDetail, "id" | "name" | "description">; errors?: FieldErrors }> = ({ agent, errors = {} }) => (
  <form method="post" action={`/agents/${agent.id}`} class="stack" id="edit-agent" hx-target="this" hx-swap="outerHTML">
    <div class={`field${errors.name ? " invalid" : ""}`}>
      <label for="f-edit-name">Name</label>
      <input id="f-edit-name" name="name" type="text" required value={agent.name} />
      <FieldError id="e-edit-name" message={errors.name} />
    </div>
    <div class={`field${errors.description ? " invalid" : ""}`}>
      <label for="f-edit-description">Description</label>
      <textarea id="f-edit-description" name="description" rows={3}>{agent.description}</textarea>
      <FieldError id="e-edit-description" message={errors.description} />
    </div>
    {errors._ && <p class="form-error">{errors._}</p>}
    <div class="actions"><button type="submit">Save</button></div>
  </form>
);

export interface AgentPageProps {
  viewer: Viewer | null;
  /** The archive_max_bytes setting, shown on the upload form. */
  maxUploadBytes: number;
  agent: AgentDetail;
  history: RatingPoint[];
  headToHead: HeadToHeadRow[];
  matches: MatchItem[];
  page: Page;
  submissions: SubmissionItem[];
  /** The viewer's own built agents of this environment (other than this one): the challenge button's choices. */
  challengers?: OwnAgent[];
  /** Its "is v2 better?" tests, newest first. */
  versionTests?: VersionTestItem[];
  /** This site's address, for the owner's exact reproduce command. */
  origin?: string;
}

/** `/agents/:id`'s head: the agent is live, and so are its submissions for its owner. */
export const agentHead = (agent: AgentDetail, viewer: Viewer | null, since: string): PageHead => ({
  title: agent.name, live: { topics: [topic.agent(agent.id), ...(viewer?.id === agent.ownerId ? [topic.submissions()] : [])], since },
});

/** `/agents/:id`: public stats; the owner also sees build logs, upload, activate/rebuild, edit/delete. */
export const AgentPage: FC<AgentPageProps> = ({ viewer, agent, history, headToHead, matches, page, submissions, maxUploadBytes, challengers = [], versionTests = [], origin }) => {
  const owner = viewer?.id === agent.ownerId;
  // The owner's latest finished match and this agent's seat in it: the exact command to replay it at home.
  const latest = matches.find((m) => m.status === "completed");
  const latestSeat = latest ? latest.players.findIndex((p) => p.agentId === agent.id) : -1;
  const olderBuilt = submissions.filter((s) => s.status === "inactive" && !s.active);
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{agent.name}</h1>
          <p>
            <a href={`/environments/${agent.environment}`}>{agent.environment}</a> · by <a href={`/users/${agent.ownerName}`}>{agent.ownerName}</a> · since <Time at={agent.createdAt} />
            {agent.disabled && <> · <span class="badge bad">disabled</span></>}
          </p>
          {agent.description && <p>{agent.description}</p>}
        </div>
      </div>
      <AgentSummary agent={agent} history={history} />
      {viewer && !owner && agent.activeVersion !== null && !agent.disabled && <ChallengeForm agentId={agent.id} agentName={agent.name} challengers={challengers} />}
      {owner && agent.activeVersion !== null && olderBuilt.length > 0 && <VersionTestForm agentId={agent.id} activeVersion={agent.activeVersion} older={olderBuilt} />}
      {versionTests.length > 0 && <Section title="Is a new version better?"><VersionTestList tests={versionTests} /></Section>}
      <div class="grid two">
        <Section title="Matches">
          <AgentMatches matches={matches} page={page} agentId={agent.id} />
          {owner && latest && latestSeat >= 0 && origin && (
            <p class="muted" id="reproduce-hint">Why did it lose? A match's replay shows your agent's stderr and answer times at each step.
              Replay your seat of the <a href={`/matches/${latest.id}#match-logs`}>latest match</a> at home, with your agent's folder:{" "}
              <code data-match={latest.id}>{reproduceCommand(origin, latest.id, latestSeat)}</code></p>
          )}
        </Section>
        <Section title="Head to head"><HeadToHead rows={headToHead} /></Section>
      </div>
      <Section title="Submissions" id="submissions">
        {owner && <UploadForm agents={[{ id: agent.id, name: agent.name }]} selected={agent.id} maxUploadBytes={maxUploadBytes} />}
        <SubmissionsTable rows={submissions} owner={owner} showAgent />
      </Section>
      {owner && (
        <Section title="Settings" id="agent-settings">
          <EditAgentForm agent={agent} />
          <form method="post" action={`/agents/${agent.id}/delete`} class="spaced">
            <button type="submit" class="danger">Delete this agent</button>
            <span class="muted"> Its matches stay visible; it leaves the leaderboard.</span>
          </form>
        </Section>
      )}
    </>
  );
};

/** A signed-in visitor's button: an unranked match between one of their agents and this one (POST /agents/:id/challenges). */
export const ChallengeForm: FC<{ agentId: string; agentName: string; challengers: OwnAgent[] }> = ({ agentId, agentName, challengers }) => (
  <section class="card" id="agent-challenge">
    {challengers.length === 0 ? (
      <p class="muted">To challenge {agentName}, build an agent of this environment first.</p>
    ) : (
      <form method="post" action={`/agents/${agentId}/challenges`} class="spaced">
        <label for="challenge-agent">Challenge {agentName} with</label>{" "}
        <select id="challenge-agent" name="agentId">
          {challengers.map((a) => <option value={a.id}>{a.name}</option>)}
        </select>{" "}
        <button type="submit">Challenge</button>
        <span class="muted"> An unranked match, run after ranked ones; it changes no rating.</span>
      </form>
    )}
  </section>
);

/** The owner's "is v2 better than v1?": an SPRT of the active version against an older built one (POST /agents/:id/version-tests). */
export const VersionTestForm: FC<{ agentId: string; activeVersion: number; older: SubmissionItem[] }> = ({ agentId, activeVersion, older }) => (
  <section class="card" id="agent-version-test">
    <form method="post" action={`/agents/${agentId}/version-tests`} class="spaced">
      <label for="version-test-baseline">Is v{activeVersion} better than</label>{" "}
      <select id="version-test-baseline" name="baselineSubmissionId">
        {older.map((s) => <option value={s.id}>v{s.version}</option>)}
      </select>{" "}
      <button type="submit">Test it</button>
      <span class="muted"> Seat-swapped unranked pairs until a sequential test decides (better / not better / inconclusive); no rating changes.</span>
    </form>
  </section>
);
