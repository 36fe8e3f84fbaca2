import type { FC } from "hono/jsx";
import { Badge, Empty, Time } from "./components.tsx";
import { Section, type PageHead } from "./layout.tsx";
import { topic } from "../src/web/live/topics.ts";

/** version_test_report (sql/version_tests.sql) as the API serves it. */
export interface VersionTestReport {
  id: string; agentId: string; agentName: string; environment: string;
  candidate: { submissionId: string; version: number }; baseline: { submissionId: string; version: number };
  status: "running" | "better" | "not_better" | "inconclusive"; note: string | null; createdAt: string; decidedAt: string | null;
  hypotheses: { elo0: number; elo1: number; alpha: number; beta: number; maxPairs: number };
  pairs: number; pentanomial: number[]; llr: number; lowerBound: number; upperBound: number;
  elo: number | null; eloLow: number | null; eloHigh: number | null;
  games: Array<{ matchId: string; pair: number; status: string; candidateSeat: number; winnerSeat: number | null; endReason: string | null }>;
}

/** One line of an agent's list of tests (agent_version_tests). */
export interface VersionTestItem { id: string; candidateVersion: number; baselineVersion: number; status: VersionTestReport["status"]; createdAt: string }

const VERDICT: Record<VersionTestReport["status"], string> = {
  running: "running: not decided yet",
  better: "better",
  not_better: "not better",
  inconclusive: "inconclusive",
};

const signed = (n: number) => `${n > 0 ? "+" : n < 0 ? "−" : "±"}${Math.abs(n)}`;

/** What a game meant for the candidate (the newer version). */
const gameResult = (g: VersionTestReport["games"][number]) =>
  g.status !== "completed" ? g.status : g.winnerSeat === null ? "draw" : g.winnerSeat === g.candidateSeat ? "won" : "lost";

/** Verdict, progress and games: the live part of the page, re-rendered on each version_test.changed. */
export const VersionTestMain: FC<{ t: VersionTestReport; swapOob?: boolean }> = ({ t, swapOob }) => {
  // where the LLR sits between the bounds, for the progress bar (0 = "not better", 100 = "better")
  const position = Math.round(100 * Math.min(1, Math.max(0, (t.llr - t.lowerBound) / (t.upperBound - t.lowerBound))));
  return (
    <div id="version-test-main" {...(swapOob ? { "hx-swap-oob": "true" } : {})}>
      <section class="card">
        <p>Verdict: <b id="version-test-verdict" data-status={t.status}>{VERDICT[t.status]}</b>
          {t.decidedAt && <> · decided <Time at={t.decidedAt} /></>}{t.note && <> · {t.note}</>}</p>
        <p id="version-test-elo">
          {t.elo === null ? "No complete pair yet." : <>v{t.candidate.version} − v{t.baseline.version}: {signed(t.elo)} Elo (95 %: {signed(t.eloLow!)} to {signed(t.eloHigh!)})</>}
        </p>
        <p>
          <label for="version-test-llr">Evidence after <b id="version-test-pairs">{t.pairs}</b> of at most {t.hypotheses.maxPairs} pairs: log-likelihood ratio {t.llr}
            {" "}(stops at {t.lowerBound} "not better" or {t.upperBound} "better")</label>
          <br /><progress id="version-test-llr" max={100} value={position}>{position}</progress>
        </p>
        <p class="muted">H0: v{t.candidate.version} is {signed(t.hypotheses.elo0)} Elo against v{t.baseline.version}; H1: {signed(t.hypotheses.elo1)} Elo;
          α = {t.hypotheses.alpha}, β = {t.hypotheses.beta}. Each pair is two games on one seed with the seats swapped; a pair with a failed game does not count.
          Pairs by v{t.candidate.version}'s points (0, ½, 1, 1½, 2): {t.pentanomial.join(" · ")}.</p>
      </section>
      <Section title="Games">
        {t.games.length === 0 ? <Empty>No games yet.</Empty> : (
          <table>
            <thead><tr><th scope="col">Pair</th><th scope="col">Match</th><th scope="col">v{t.candidate.version} plays seat</th><th scope="col">Result for v{t.candidate.version}</th></tr></thead>
            <tbody>
              {t.games.map((g) => (
                <tr>
                  <td>{g.pair}</td>
                  <td><a href={`/matches/${g.matchId}`}>{g.matchId.slice(0, 8)}</a></td>
                  <td>{g.candidateSeat}</td>
                  <td><Badge status={g.status} label={gameResult(g)} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
};

/** `/version-tests/:id`'s head: live until decided. */
export const versionTestHead = (t: VersionTestReport, since: string): PageHead => ({
  title: `Is v${t.candidate.version} better than v${t.baseline.version}?`, live: { topics: [topic.versionTest(t.id)], since },
});

/** `/version-tests/:id`: "is v2 better than v1?", live until decided. */
export const VersionTestPage: FC<{ t: VersionTestReport }> = ({ t }) => (
  <>
    <div class="page-head">
      <div>
        <h1>Is v{t.candidate.version} better than v{t.baseline.version}?</h1>
        <p><a href={`/agents/${t.agentId}`}>{t.agentName}</a> · <a href={`/environments/${t.environment}`}>{t.environment}</a> · started <Time at={t.createdAt} /></p>
      </div>
    </div>
    <VersionTestMain t={t} />
  </>
);

/** The agent page's list of its tests, each linking to its page. */
export const VersionTestList: FC<{ tests: VersionTestItem[] }> = ({ tests }) => (
  <ul id="agent-version-tests">
    {tests.map((t) => (
      <li><a href={`/version-tests/${t.id}`}>Is v{t.candidateVersion} better than v{t.baselineVersion}?</a> {VERDICT[t.status]} · <Time at={t.createdAt} /></li>
    ))}
  </ul>
);
