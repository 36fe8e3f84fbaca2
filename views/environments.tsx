import type { FC } from "hono/jsx";
import { builtinAgentsFor } from "rl-arena-env";
import { Empty, FieldError, Record } from "./components.tsx";
import { Section, type PageHead } from "./layout.tsx";
import { LeaderboardTable } from "./leaderboard.tsx";
import { MatchFeed } from "./matches.tsx";
import type { EnvironmentCard, EnvironmentInfo, FieldErrors, LeaderRow, MatchItem, SubmissionItem, Viewer } from "./models.ts";
import { SubmissionsTable } from "./submissions.tsx";
import { topic } from "../src/web/live/topics.ts";

/** The environment cards of the home page; the grid is a live region (leaders change). */
export const EnvironmentCards: FC<{ cards: EnvironmentCard[]; swapOob?: boolean }> = ({ cards, swapOob }) => (
  <div class="grid cards" id="env-cards" {...(swapOob ? { "hx-swap-oob": "true" } : {})}>
    {cards.length === 0 && <Empty>No environments are installed.</Empty>}
    {cards.map((e) => (
      <a class="card env-card" href={`/environments/${e.id}`} id={`env-${e.id}`}>
        <h2>{e.name}</h2>
        <div class="muted">{e.agents} {e.agents === 1 ? "agent" : "agents"}</div>
        <div class="leader">
          {e.leader ? (
            <>
              🏆 <b>{e.leader.agentName}</b> <span class="muted">by {e.leader.ownerName}</span> · {e.leader.rating}{" "}
              <Record wins={e.leader.wins} losses={e.leader.losses} draws={e.leader.draws} />
            </>
          ) : (
            <span class="muted">No leader yet</span>
          )}
        </div>
      </a>
    ))}
  </div>
);

/** `/`'s head for `c.render`: the leaders and the feed are live from the hub's event `since`. */
export const homeHead = (since: string): PageHead => ({ title: "Environments", nav: "home", live: { topics: [topic.leaders(), topic.feed()], since } });

/** `/`: environments with their leaders and the matches streaming in. */
export const HomePage: FC<{ viewer: Viewer | null; cards: EnvironmentCard[]; matches: MatchItem[] }> = ({ viewer, cards, matches }) => (
  <>
    <div class="page-head">
      <div>
        <h1>Build an agent. Climb the ladder.</h1>
        <p>Train locally with <code>rl-arena-env</code>, upload it, and watch it play rated matches live.</p>
      </div>
      {!viewer && <a class="button" href="/signup">Get started</a>}
    </div>
    <EnvironmentCards cards={cards} />
    <Section title="Recent matches" actions={<a href="/matches">All matches →</a>}>
      <MatchFeed id="match-feed" matches={matches} showEnvironment />
    </Section>
  </>
);

function spaceText(space: unknown): string {
  if (!space || typeof space !== "object") return "—";
  const s = space as { type?: string; n?: number; shape?: number[]; low?: number[]; high?: number[]; dtype?: string };
  if (s.type === "discrete") return `Discrete(${s.n})`;
  if (s.type === "box") return `Box(shape [${(s.shape ?? []).join(", ")}], ${s.dtype ?? "float32"})`;
  return JSON.stringify(space);
}

/**
 * Quick start for Python and JavaScript: commands a newcomer pastes into a shell as they are
 * (tests/system/pages_commands.test.ts runs exactly this text), against a built-in opponent
 * of this environment.
 */
export const QuickStart: FC<{ env: EnvironmentInfo }> = ({ env }) => {
  const opponent = builtinAgentsFor(env.id).at(-1);
  const versus = opponent ? `builtin:${opponent}` : ".";
  const block = (lang: "python" | "node", edit: string) => `npx rl-arena-env new-agent my-agent --lang ${lang} --env ${env.id}
cd my-agent
# ${edit}
npx rl-arena-env match ${env.id} . ${versus} --out replay.html
zip -r ../my-agent.zip .   # then drop my-agent.zip below`;
  return (
    <div class="quickstart" id="quickstart">
      <p>Needs Node.js 20 or later{opponent ? <>; <code>{opponent}</code> is a built-in opponent</> : ""}.</p>
      <h3>Python</h3>
      <pre tabindex={0} data-lang="python"><code>{block("python", "edit main.py: MyAgent.act(observation) returns an action")}</code></pre>
      <h3>JavaScript</h3>
      <pre tabindex={0} data-lang="node"><code>{block("node", "edit main.mjs: export default function act(observation, info, ctx) { … }")}</code></pre>
    </div>
  );
};

export interface UploadAgent {
  id: string;
  name: string;
}

/** The new-agent form (its own fragment: a 422 answer re-renders it with errors). */
export const NewAgentForm: FC<{ environment: string; values?: { name?: string; description?: string }; errors?: FieldErrors }> = ({ environment, values = {}, errors = {} }) => (
  <form method="post" action="/agents" class="stack" id="new-agent" hx-target="this" hx-swap="outerHTML">
    <input type="hidden" name="environmentId" value={environment} />
    <div class={`field${errors.name ? " invalid" : ""}`}>
      <label for="f-agent-name">New agent name</label>
      <input id="f-agent-name" name="name" type="text" required value={values.name ?? ""} aria-invalid={errors.name ? "true" : undefined} />
      <FieldError id="e-agent-name" message={errors.name} />
    </div>
    <div class="field">
      <label for="f-agent-description">Description <span class="muted">(optional)</span></label>
      <input id="f-agent-description" name="description" type="text" value={values.description ?? ""} />
      <FieldError id="e-agent-description" message={errors.description} />
    </div>
    {errors._ && <p class="form-error">{errors._}</p>}
    <div><button type="submit" id="create-agent">Create agent</button></div>
  </form>
);

/** A byte count in MB for the upload hint (the limit comes from the settings as a prop). */
const megabytes = (n: number) => `${+(n / 1024 / 1024).toFixed(1)} MB`;

/** Attribute names JSX cannot spell (two colons, a leading digit, a dot), as props. */
const UPLOAD_FORM_EVENTS = {
  "hx-status:4xx": "target:#upload-result swap:innerHTML",
  "hx-status:5xx": "target:#upload-result swap:innerHTML",
  "x-on:htmx:config:request": "sendWithProgress",
  "x-on:htmx:after:request": "answered",
  "x-on:htmx:error": "unreached",
  "x-on:htmx:finally:request": "finished",
};
const DROP_ZONE_EVENTS = {
  "x-on:dragenter.prevent": "dragOver",
  "x-on:dragover.prevent": "dragOver",
  "x-on:dragleave": "dragLeave",
  "x-on:drop.prevent": "dropped",
};

/**
 * The upload form: a plain multipart post without JavaScript; with it, htmx sends the form and
 * puts the new row at the top of the submissions table (#my-submissions, which every page with
 * this form shows) or the refusal under the form, and the Alpine component `upload`
 * (static/app.js) keeps the drop zone, the chosen file and its size check, the progress and the
 * outcome. Alpine's CSP build: the x-* values name that component's properties and methods.
 * `maxUploadBytes` is the archive_max_bytes setting (upload_limits()).
 */
export const UploadForm: FC<{ agents: UploadAgent[]; selected?: string | null; error?: string; maxUploadBytes: number }> = ({ agents, selected, error, maxUploadBytes }) => (
  <form method="post" action="/submissions" enctype="multipart/form-data" id="upload" data-max-bytes={String(maxUploadBytes)}
    hx-post="/submissions" hx-target="#my-submissions" hx-swap="afterbegin" x-data="upload" {...UPLOAD_FORM_EVENTS}>
    <div class="field">
      <label for="f-agentId">Agent</label>
      <select id="f-agentId" name="agentId" required>
        {agents.map((a) => <option value={a.id} selected={a.id === selected}>{a.name}</option>)}
      </select>
    </div>
    <label class="dropzone" for="f-file" x-bind:class="zoneClass" {...DROP_ZONE_EVENTS}>
      <div>Drop a <b>.zip</b>, <b>.tar.gz</b>, <b>.py</b> or <b>.js</b> here (≤ {megabytes(maxUploadBytes)}), or choose a file</div>
      <input id="f-file" type="file" name="file" accept=".zip,.tar.gz,.tgz,.py,.js,.mjs" x-ref="file" x-on:change="chose" />
      <div class="chosen" x-text="chosen"></div>
    </label>
    <progress max={1} value={0} hidden x-bind:value="progress" x-bind:hidden="idle"></progress>
    <div class="actions spaced"><button type="submit" x-bind:disabled="sending">Upload</button></div>
    <p role="status" hidden x-bind:class="noteClass" x-bind:hidden="noNote" x-text="note"></p>
    <div class="upload-result" id="upload-result" x-ref="result">{error && <p class="form-error">{error}</p>}</div>
  </form>
);

export interface EnvironmentPageProps {
  viewer: Viewer | null;
  /** The archive_max_bytes setting, shown on the upload form. */
  maxUploadBytes: number;
  env: EnvironmentInfo;
  leaders: LeaderRow[];
  matches: MatchItem[];
  myAgents: UploadAgent[];
  mySubmissions: SubmissionItem[];
  selectedAgent: string | null;
}

/** `/environments/:id`'s head: its leaderboard and feed are live, and a signed-in viewer's submissions. */
export const environmentHead = (env: EnvironmentInfo, viewer: Viewer | null, since: string): PageHead => ({
  title: env.name, nav: "home",
  live: { topics: [topic.leaderboard(env.id), topic.environmentFeed(env.id), ...(viewer ? [topic.submissions()] : [])], since },
});

/** `/environments/:id`. */
export const EnvironmentPage: FC<EnvironmentPageProps> = ({ viewer, env, leaders, matches, myAgents, mySubmissions, selectedAgent, maxUploadBytes }) => (
  <>
    <div class="page-head">
      <div>
        <h1>{env.name}</h1>
        <p><code>{env.id}</code> v{env.version} · {env.numPlayers} players · {env.turnBased ? "turn-based" : "simultaneous moves"}</p>
      </div>
    </div>
    <div class="grid two">
      <div>
        <Section title="Leaderboard" id="leaderboard">
          <LeaderboardTable environment={env.id} rows={leaders} viewerId={viewer?.id} />
        </Section>
        <Section title="Recent matches">
          <MatchFeed id={`match-feed-${env.id}`} matches={matches} />
        </Section>
      </div>
      <div>
        <Section title="Your agents here" id="my-agents">
          {viewer ? (
            <>
              {myAgents.length > 0 ? (
                <>
                  <ul>{myAgents.map((a) => <li><a href={`/agents/${a.id}`}>{a.name}</a></li>)}</ul>
                  <UploadForm agents={myAgents} selected={selectedAgent} maxUploadBytes={maxUploadBytes} />
                </>
              ) : (
                <Empty>You have no agent in this environment yet. Create one, then upload its code.</Empty>
              )}
              <details open={myAgents.length === 0} class="spaced">
                <summary>Create an agent</summary>
                <NewAgentForm environment={env.id} />
              </details>
            </>
          ) : (
            <p><a href={`/login?next=/environments/${env.id}`}>Log in</a> or <a href="/signup">sign up</a> to upload an agent.</p>
          )}
        </Section>
        {viewer && (
          <Section title="Your submissions" id="submissions">
            <SubmissionsTable rows={mySubmissions} owner showAgent />
          </Section>
        )}
        <Section title="Rules">
          <p class="rules">{env.rules || "No description."}</p>
          <dl class="spaces">
            <dt>Observation</dt>
            <dd>{spaceText(env.observationSpace)}{env.observationMeaning.length > 0 && <ol start={0}>{env.observationMeaning.map((m) => <li>{m}</li>)}</ol>}</dd>
            <dt>Action</dt>
            <dd>{spaceText(env.actionSpace)}{env.actionMeaning.length > 0 && <ol start={0}>{env.actionMeaning.map((m) => <li>{m}</li>)}</ol>}</dd>
            <dt>Default configuration</dt>
            {/* Pretty-printed in a box of its own: one JSON line made the page 1322 px wide on a phone. */}
            <dd><pre class="config" id="default-config" tabindex={0}><code>{JSON.stringify(env.defaultConfig, null, 2)}</code></pre></dd>
          </dl>
        </Section>
        <Section title="Quick start"><QuickStart env={env} /></Section>
      </div>
    </div>
  </>
);
