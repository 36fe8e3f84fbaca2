import { ProfilePage } from "../../views/profile.tsx";
import type { WebDeps } from "./deps.ts";
import { HttpError } from "./http_errors.ts";
import { html, pageApp, signedIn, viewerOf } from "./pages_common.tsx";
import { listEnvironments, userAgents } from "./queries.ts";

/** `/profile` (signed in) and `/users/:name` (public). */
export function profileRoutes(deps: WebDeps) {
  const app = pageApp(deps);
  app.get("/profile", async (c) => {
    const me = signedIn(c);
    const [agents, envs] = await Promise.all([userAgents(deps.sql, me.id), listEnvironments(deps.sql)]);
    return html(c, <ProfilePage viewer={me} username={me.username} own agents={agents} environments={envs} />);
  });
  app.get("/users/:name", async (c) => {
    const name = c.req.param("name");
    const [user] = await deps.sql`select id, username from users where lower(username) = lower(${name}) and not disabled`;
    if (!user) throw new HttpError(404, "not_found", `user ${JSON.stringify(name)} does not exist`);
    const agents = await userAgents(deps.sql, String(user.id));
    const viewer = viewerOf(c);
    return html(c, <ProfilePage viewer={viewer} username={String(user.username)} own={viewer?.id === String(user.id)} agents={agents} environments={[]} />);
  });
  return app;
}
