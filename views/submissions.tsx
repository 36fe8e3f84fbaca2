import type { FC } from "hono/jsx";
import { Badge, LogText, Time } from "./components.tsx";
import type { SubmissionItem } from "./models.ts";

/**
 * One submission row. The owner's version carries the build log and the activate/rebuild
 * buttons; the same row is the upload response, the page row and the SSE push (hx-swap-oob).
 */
export const SubmissionRow: FC<{ s: SubmissionItem; owner: boolean; showAgent?: boolean; swapOob?: boolean }> = ({ s, owner, showAgent, swapOob }) => (
  <tr id={`submission-${s.id}`} data-status={s.status} {...(swapOob ? { "hx-swap-oob": "true" } : {})}>
    <td>v{s.version}</td>
    {showAgent && <td><a href={`/agents/${s.agentId}`}>{s.agentName}</a></td>}
    <td>{s.language}</td>
    <td><Badge status={s.status} /></td>
    <td><Time at={s.createdAt} /></td>
    {owner && (
      <td>
        {(s.buildLog || s.error) && (
          <details>
            <summary>build log</summary>
            {s.error && <p class="field-error">{s.error}</p>}
            {s.buildLog && <LogText text={s.buildLog} />}
          </details>
        )}
        <div class="actions">
          {s.status === "inactive" && (
            <form method="post" action={`/submissions/${s.id}/activate`} class="inline">
              <button class="small secondary" type="submit">Activate</button>
            </form>
          )}
          {(s.status === "failed" || s.status === "inactive" || s.status === "active") && (
            <form method="post" action={`/submissions/${s.id}/rebuild`} class="inline">
              <button class="small secondary" type="submit">Rebuild</button>
            </form>
          )}
        </div>
      </td>
    )}
  </tr>
);

/** The owner's submissions table; the tbody is where uploads and live rows land. */
export const SubmissionsTable: FC<{ rows: SubmissionItem[]; owner: boolean; showAgent?: boolean }> = ({ rows, owner, showAgent }) => (
  <div class="table-wrap">
    <table class="submissions">
      <thead>
        <tr><th>Version</th>{showAgent && <th>Agent</th>}<th>Language</th><th>Status</th><th>Uploaded</th>{owner && <th>Build</th>}</tr>
      </thead>
      <tbody id="my-submissions">
        {rows.length === 0 ? (
          <tr class="empty-row"><td colspan={6} class="empty">No submissions yet.</td></tr>
        ) : (
          rows.map((s) => <SubmissionRow s={s} owner={owner} showAgent={showAgent} />)
        )}
      </tbody>
    </table>
  </div>
);
