import type { FC } from "hono/jsx";
import { Record } from "./components.tsx";
import type { LeaderRow } from "./models.ts";
import { SkillValue } from "./skill.tsx";

/** The rows of an environment's leaderboard; the tbody is the live region. */
export const LeaderboardBody: FC<{ environment: string; rows: LeaderRow[]; viewerId?: string | null; swapOob?: boolean }> = ({ environment, rows, viewerId, swapOob }) => (
  <tbody id={`leaderboard-${environment}`} {...(swapOob ? { "hx-swap-oob": "true" } : {})}>
    {rows.length === 0 ? (
      <tr><td colspan={7} class="empty">No ranked agents yet — upload one and it joins after its build.</td></tr>
    ) : (
      rows.map((r) => (
        <tr data-agent={r.agentId} class={viewerId === r.ownerId ? "mine" : undefined}>
          <td class="rank">{r.rank}</td>
          <td><a href={`/agents/${r.agentId}`}>{r.agentName}</a></td>
          <td><a class="muted" href={`/users/${r.ownerName}`}>{r.ownerName}</a></td>
          <td class="num rating">{r.rating}</td>
          <td class="num"><SkillValue skill={r.skill} /></td>
          <td class="num"><Record wins={r.wins} losses={r.losses} draws={r.draws} /></td>
          <td class="num games">{r.games}</td>
        </tr>
      ))
    )}
  </tbody>
);

export const LeaderboardTable: FC<{ environment: string; rows: LeaderRow[]; viewerId?: string | null }> = (p) => (
  <div class="table-wrap">
    <table class="leaderboard">
      <thead>
        <tr><th>#</th><th>Agent</th><th>Owner</th><th class="num">Rating</th><th class="num" title="refitted estimate ± 95 % interval, and the ranks it could hold">Skill</th><th class="num">W-L-D</th><th class="num">Games</th></tr>
      </thead>
      <LeaderboardBody {...p} />
    </table>
  </div>
);
