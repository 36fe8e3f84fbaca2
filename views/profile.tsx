import type { FC } from "hono/jsx";
import { Empty, Field, Record } from "./components.tsx";
import { Section, type PageHead } from "./layout.tsx";
import type { FieldErrors, OwnAgent } from "./models.ts";

export interface ProfileProps {
  username: string;
  own: boolean;
  agents: OwnAgent[];
  environments: Array<{ id: string; name: string }>;
  /** Own profile: errors of the password form, or that the password was just changed. */
  passwordErrors?: FieldErrors;
  passwordChanged?: boolean;
}

/** The password form; a 422 answer re-renders just this form with errors beside the fields. */
export const PasswordForm: FC<{ errors?: FieldErrors; changed?: boolean }> = ({ errors = {}, changed }) => (
  <form method="post" action="/profile/password" class="stack" id="password-form" hx-target="this" hx-swap="outerHTML">
    {changed && <p class="notice" id="password-changed" role="status">Password changed. Every other session of this account was logged out.</p>}
    <Field name="currentPassword" label="Current password" type="password" error={errors.currentPassword} required autocomplete="current-password" />
    <Field name="newPassword" label="New password" type="password" error={errors.newPassword} required autocomplete="new-password" hint="At least 8 characters" />
    {errors._ && <p class="form-error">{errors._}</p>}
    <div><button type="submit" id="password-submit">Change password</button></div>
  </form>
);

/** `/profile`'s and `/users/:name`'s head. */
export const profileHead = (username: string, own: boolean): PageHead => ({ title: own ? "Your profile" : username, nav: own ? "profile" : undefined });

/** `/profile` (your own) and `/users/:name` (anyone's public agents). */
export const ProfilePage: FC<ProfileProps> = ({ username, own, agents, environments, passwordErrors, passwordChanged }) => {
  const totals = agents.reduce((t, a) => ({ wins: t.wins + a.wins, losses: t.losses + a.losses, draws: t.draws + a.draws, games: t.games + a.games }), { wins: 0, losses: 0, draws: 0, games: 0 });
  const best = agents.reduce<OwnAgent | null>((b, a) => (!b || a.rating > b.rating ? a : b), null);
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{username}</h1>
          <p>{own ? "Your agents and how they are doing." : "Agents and results."}</p>
        </div>
      </div>
      <section class="card">
        <div class="stats">
          <div class="stat"><b>{agents.length}</b><span>agents</span></div>
          <div class="stat"><b>{totals.games}</b><span>games</span></div>
          <div class="stat"><b><Record {...totals} /></b><span>W-L-D</span></div>
          <div class="stat"><b>{best ? best.rating : "—"}</b><span>best rating</span></div>
        </div>
      </section>
      <Section title="Agents" id="profile-agents">
        {agents.length === 0 ? (
          <Empty>{own ? "No agents yet. Pick an environment below and create one." : "No agents."}</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <thead><tr><th>Agent</th><th>Environment</th><th class="num">Rating</th><th class="num">W-L-D</th><th class="num">Games</th><th>Version</th></tr></thead>
              <tbody>
                {agents.map((a) => (
                  <tr>
                    <td><a href={`/agents/${a.id}`}>{a.name}</a>{a.disabled && <> <span class="badge bad">disabled</span></>}</td>
                    <td><a href={`/environments/${a.environment}`}>{a.environment}</a></td>
                    <td class="num">{a.rating}</td>
                    <td class="num"><Record wins={a.wins} losses={a.losses} draws={a.draws} /></td>
                    <td class="num">{a.games}</td>
                    <td>{a.activeVersion ? `v${a.activeVersion}` : <span class="muted">not built</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {own && (
          <p class="spaced">
            New agent in: {environments.map((e, i) => <>{i > 0 && " · "}<a href={`/environments/${e.id}#my-agents`}>{e.name}</a></>)}
          </p>
        )}
      </Section>
      {own && (
        <Section title="Account" id="profile-account">
          <PasswordForm errors={passwordErrors} changed={passwordChanged} />
          <form method="post" action="/profile/logout-everywhere" class="spaced" id="logout-everywhere-form">
            <p class="muted">Lost a device, or signed in somewhere you should not have? This ends every session of your account, this one too.</p>
            <button type="submit" id="logout-everywhere">Log out everywhere</button>
          </form>
        </Section>
      )}
    </>
  );
};
