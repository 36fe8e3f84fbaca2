import type { FC } from "hono/jsx";
import { Empty, FieldError, Pager, Record, Time } from "./components.tsx";
import { UploadForm } from "./environments.tsx";
import { Layout, Section } from "./layout.tsx";
import { MatchFeed } from "./matches.tsx";
import type { AgentDetail, FieldErrors, HeadToHeadRow, MatchItem, Page, RatingPoint, SubmissionItem, Viewer } from "./models.ts";
import { RatingChart } from "./rating_chart.tsx";
import { SkillValue } from "./skill.tsx";
import { SubmissionsTable } from "./submissions.tsx";
import { topic } from "../src/web/topics.ts";

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
  since: string;
}

/** `/agents/:id`: public stats; the owner also sees build logs, upload, activate/rebuild, edit/delete. */
export const AgentPage: FC<AgentPageProps> = ({ viewer, agent, history, headToHead, matches, page, submissions, since, maxUploadBytes }) => {
  const owner = viewer?.id === agent.ownerId;
  return (
    <Layout title={agent.name} viewer={viewer} live={{ topics: [topic.agent(agent.id), ...(owner ? [topic.submissions()] : [])], since }}>
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
      <div class="grid two">
        <Section title="Matches">
          <AgentMatches matches={matches} page={page} agentId={agent.id} />
          {owner && matches[0] && (
            <p class="muted" id="reproduce-hint">Why did it lose? A match's replay shows your agent's stderr and answer times at each step, and
              the match page gives the command that replays your seat at home (<code>npx rl-arena-env reproduce &lt;match-id&gt; --seat N ./my-agent</code>):
              see the <a href={`/matches/${matches[0].id}#match-logs`}>latest match</a>.</p>
          )}
        </Section>
        <Section title="Head to head"><HeadToHead rows={headToHead} /></Section>
      </div>
      <Section title="Submissions" id="submissions">
        {owner && <UploadForm agents={[{ id: agent.id, name: agent.name }]} selected={agent.id} context="agent" maxUploadBytes={maxUploadBytes} />}
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
    </Layout>
  );
};
