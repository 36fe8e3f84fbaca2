import { z } from "zod";
import { LoginForm, loginHead, LoginPage, SignupForm, signupHead, SignupPage } from "../../../views/auth.tsx";
import { logOut } from "../actions/account.ts";
import { setSessionCookie } from "../http/authentication.ts";
import { RegisterBody } from "../api/auth.ts";
import type { WebDeps } from "../deps.ts";
import { fieldErrors, formFields, isHtmx, pageApp, redirect } from "./common.tsx";
import { rateLimit } from "../http/rate_limit.ts";
import { logIn, register } from "../actions/sessions.ts";

const LoginForm_ = z.object({
  login: z.string().trim().min(1, "enter your username or email").max(255, "must be at most 255 characters"),
  password: z.string().min(1, "enter your password").max(200, "must be at most 200 characters"),
  next: z.string().optional(),
});

/**
 * Where to go after a login: only a path on this origin (no open redirect). Browsers drop tabs
 * and newlines from URLs and read `\` as `/`, so `/\t/evil.example` would become
 * `//evil.example`: control characters and backslashes are refused outright, and what is left must
 * resolve, the way a browser resolves it, to this origin and a path that does not start with `//`.
 */
export function safeNext(next: string | undefined, origin: string): string {
  if (!next || !next.startsWith("/") || /[\x00-\x20\x7f\\]/.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/";
  }
  if (url.origin !== origin || url.pathname.startsWith("//")) return "/";
  return url.pathname + url.search + url.hash;
}

/** `/signup`, `/login`, `/logout`: zod-validated forms, 422 fragments with errors beside the fields. */
export function sessionRoutes(deps: WebDeps) {
  const app = pageApp(deps);

  app.get("/signup", (c) => c.render(<SignupPage />, signupHead));
  app.post("/signup", rateLimit(deps, "auth"), async (c) => {
    const form = await formFields(c);
    const values = { username: form.username, email: form.email, fullName: form.fullName };
    // htmx swaps the form alone (hx-target="this"); a plain post gets the whole page again.
    const fail = (errors: Record<string, string | undefined>) => {
      if (isHtmx(c)) return c.html(<SignupForm values={values} errors={errors} />, 422);
      c.status(422);
      return c.render(<SignupPage values={values} errors={errors} />, signupHead);
    };
    const parsed = RegisterBody.safeParse({ ...form, fullName: form.fullName || undefined });
    if (!parsed.success) return fail(fieldErrors(parsed.error));
    const outcome = await register(deps, parsed.data);
    if (!outcome.ok) return fail({ [outcome.refusal.field ?? "_"]: outcome.refusal.message });
    setSessionCookie(c, outcome.value.token);
    return redirect(c, "/profile");
  });

  app.get("/login", (c) => c.render(<LoginPage next={safeNext(c.req.query("next"), new URL(c.req.url).origin)} />, loginHead));
  app.post("/login", rateLimit(deps, "auth"), async (c) => {
    const form = await formFields(c);
    const next = safeNext(form.next, new URL(c.req.url).origin);
    const fail = (errors: Record<string, string | undefined>) => {
      if (isHtmx(c)) return c.html(<LoginForm login={form.login} next={next} errors={errors} />, 422);
      c.status(422);
      return c.render(<LoginPage login={form.login} next={next} errors={errors} />, loginHead);
    };
    const parsed = LoginForm_.safeParse(form);
    if (!parsed.success) return fail(fieldErrors(parsed.error));
    const outcome = await logIn(deps, parsed.data.login, parsed.data.password);
    if (!outcome.ok) return fail({ _: outcome.refusal.message });
    setSessionCookie(c, outcome.value.token);
    return redirect(c, next);
  });

  app.post("/logout", async (c) => {
    await logOut(deps, c); // ends the session in the database: a copy of the cookie dies too
    return redirect(c, "/");
  });
  return app;
}
