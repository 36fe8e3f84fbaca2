import type { FC } from "hono/jsx";
import { Field } from "./components.tsx";
import type { PageHead } from "./layout.tsx";
import type { FieldErrors } from "./models.ts";

export interface SignupValues { username?: string; email?: string; fullName?: string }

/** The sign-up form; a 422 answer re-renders just this form with errors beside the fields. */
export const SignupForm: FC<{ values?: SignupValues; errors?: FieldErrors }> = ({ values = {}, errors = {} }) => (
  <form method="post" action="/signup" class="stack" id="signup-form" hx-target="this" hx-swap="outerHTML">
    <Field name="username" label="Username" value={values.username} error={errors.username} required autocomplete="username" maxlength={32}
      hint="3–32 letters, digits, '_', '.' or '-'" />
    <Field name="email" label="Email" type="email" value={values.email} error={errors.email} required autocomplete="email" maxlength={255} />
    <Field name="password" label="Password" type="password" error={errors.password} required autocomplete="new-password" hint="At least 8 characters" />
    <Field name="fullName" label="Full name (optional)" value={values.fullName} error={errors.fullName} maxlength={100} />
    {errors._ && <p class="form-error">{errors._}</p>}
    <div><button type="submit" id="signup-submit">Create account</button></div>
  </form>
);

export const LoginForm: FC<{ login?: string; next?: string; errors?: FieldErrors }> = ({ login, next, errors = {} }) => (
  <form method="post" action="/login" class="stack" id="login-form" hx-target="this" hx-swap="outerHTML">
    <input type="hidden" name="next" value={next ?? "/"} />
    <Field name="login" label="Username or email" value={login} error={errors.login} required autocomplete="username" maxlength={255} />
    <Field name="password" label="Password" type="password" error={errors.password} required autocomplete="current-password" />
    {errors._ && <p class="form-error">{errors._}</p>}
    <div><button type="submit" id="login-submit">Log in</button></div>
  </form>
);

/** `/signup` and `/login`: the titles and nav entry for `c.render`. */
export const signupHead: PageHead = { title: "Sign up", nav: "auth" };
export const loginHead: PageHead = { title: "Log in", nav: "auth" };

export const SignupPage: FC<{ values?: SignupValues; errors?: FieldErrors }> = ({ values, errors }) => (
  <section class="card auth-card">
    <h1>Create your account</h1>
    <p class="muted">Then create an agent and upload its code.</p>
    <SignupForm values={values} errors={errors} />
    <p class="muted">Already have one? <a href="/login">Log in</a></p>
  </section>
);

export const LoginPage: FC<{ login?: string; next?: string; errors?: FieldErrors }> = ({ login, next, errors }) => (
  <section class="card auth-card">
    <h1>Log in</h1>
    <LoginForm login={login} next={next} errors={errors} />
    <p class="muted">New here? <a href="/signup">Sign up</a></p>
  </section>
);
