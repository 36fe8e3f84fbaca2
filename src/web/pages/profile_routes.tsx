import { PasswordForm, profileHead, ProfilePage } from "../../../views/profile.tsx";
import type { FieldErrors } from "../../../views/models.ts";
import { changePassword, logOutEverywhere, PasswordChangeBody } from "../actions/account.ts";
import { setSessionCookie } from "../http/authentication.ts";
import type { WebDeps } from "../deps.ts";
import { HttpError } from "../http/error_responses.ts";
import { fieldErrors, formFields, isHtmx, pageApp, redirect, signedIn, viewerOf } from "./common.tsx";
import { rateLimit } from "../http/rate_limit.ts";
import { listEnvironments, userAgents } from "../queries.ts";

/** `/profile` (signed in) with its account forms, and `/users/:name` (public). */
export function profileRoutes(deps: WebDeps) {
  const app = pageApp(deps);
  const ownPage = async (c: Parameters<typeof signedIn>[0], passwordErrors?: FieldErrors, passwordChanged?: boolean, status: 200 | 422 = 200) => {
    const me = signedIn(c);
    const [agents, envs] = await Promise.all([userAgents(deps.sql, me.id), listEnvironments(deps.sql)]);
    c.status(status);
    return c.render(<ProfilePage username={me.username} own agents={agents} environments={envs}
      passwordErrors={passwordErrors} passwordChanged={passwordChanged} />, profileHead(me.username, true));
  };
  app.get("/profile", (c) => ownPage(c, undefined, c.req.query("password") === "changed"));

  // The new password ends every session; this browser gets a cookie for a fresh one.
  app.post("/profile/password", rateLimit(deps, "auth"), async (c) => {
    const me = signedIn(c);
    const form = await formFields(c);
    const fail = (errors: FieldErrors) => (isHtmx(c) ? c.html(<PasswordForm errors={errors} />, 422) : ownPage(c, errors, false, 422));
    const parsed = PasswordChangeBody.safeParse({ currentPassword: form.currentPassword ?? "", newPassword: form.newPassword ?? "" });
    if (!parsed.success) return fail(fieldErrors(parsed.error));
    let token: string;
    try {
      token = await changePassword(deps, me, parsed.data.currentPassword, parsed.data.newPassword);
    } catch (e) {
      if (e instanceof HttpError && e.error === "wrong_password") return fail({ currentPassword: "That is not your current password." });
      throw e;
    }
    setSessionCookie(c, token);
    return redirect(c, "/profile?password=changed");
  });

  app.post("/profile/logout-everywhere", async (c) => {
    await logOutEverywhere(deps, c, signedIn(c));
    return redirect(c, "/login");
  });

  app.get("/users/:name", async (c) => {
    const name = c.req.param("name");
    const [user] = await deps.sql`select id, username from public_user(${name})`;
    if (!user) throw new HttpError(404, "not_found", `user ${JSON.stringify(name)} does not exist`);
    const agents = await userAgents(deps.sql, String(user.id));
    const own = viewerOf(c)?.id === String(user.id);
    return c.render(<ProfilePage username={String(user.username)} own={own} agents={agents} environments={[]} />, profileHead(String(user.username), own));
  });
  return app;
}
