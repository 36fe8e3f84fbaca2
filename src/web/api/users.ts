import { Hono } from "hono";
import { z } from "zod";
import { currentUser, requireUser } from "../auth.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "../http_errors.ts";
import { camel, jsonBody, num, parse } from "./common.ts";

/** The public shape of a user (never the password hash). */
export function userJson(row: Record<string, unknown>) {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    fullName: row.full_name ?? "",
    role: row.role,
    createdAt: camel({ x: row.created_at }).x,
    updatedAt: camel({ x: row.updated_at ?? row.created_at }).x,
  };
}

export const UpdateMeBody = z.object({
  fullName: z.string().trim().max(100, "must be at most 100 characters").optional(),
  email: z.string().trim().toLowerCase().pipe(z.email("must be an email address")).optional(),
}).strict();

/** `GET /users/me` (profile and stats), `PUT /users/me`. */
export function usersApi(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.use("*", requireUser);
  app.get("/me", async (c) => {
    const me = currentUser(c);
    const [row] = await deps.sql`
      with mine as (select id from agents where owner_id = ${me.id})
      select u.id, u.username, u.email, u.full_name, u.role, u.created_at, u.updated_at,
        (select count(*) from submissions s where s.agent_id in (select id from mine)) as total_submissions,
        (select count(*) from agents a where a.owner_id = u.id and a.deleted_at is null and a.active_submission_id is not null) as active_agents,
        (select count(*) from matches m where m.status = 'completed'
           and (m.player0_agent_id in (select id from mine) or m.player1_agent_id in (select id from mine))) as total_matches,
        (select count(*) from matches m where m.status = 'completed'
           and ((m.winner_seat = 0 and m.player0_agent_id in (select id from mine))
             or (m.winner_seat = 1 and m.player1_agent_id in (select id from mine)))) as total_wins,
        (select coalesce(min(r.rank), 0) from (
           select a.owner_id, rank() over (partition by a.environment_id order by a.rating desc) as rank
           from agents a where a.deleted_at is null and a.active_submission_id is not null) r
         where r.owner_id = u.id) as best_rank
      from users u where u.id = ${me.id}`;
    if (!row) throw new HttpError(404, "not_found", `user ${me.username} no longer exists`);
    return c.json({
      user: userJson(row),
      stats: {
        totalSubmissions: num(row.total_submissions),
        activeAgents: num(row.active_agents),
        totalMatches: num(row.total_matches),
        totalWins: num(row.total_wins),
        bestRank: num(row.best_rank),
      },
    });
  });
  app.put("/me", async (c) => {
    const me = currentUser(c);
    const body = parse(UpdateMeBody, await jsonBody(c.req));
    const [row] = await deps.sql`select * from update_user(${me.id}, ${body.email ?? null}, ${body.fullName ?? null})`;
    return c.json({ message: "profile updated", user: userJson(row) });
  });
  return app;
}
