import type { FC } from "hono/jsx";
import type { PageHead } from "./layout.tsx";

const TITLES: Record<number, string> = {
  400: "That request was not valid",
  401: "Please log in",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Too large",
  422: "Not accepted",
  429: "Slow down",
  500: "Something broke on our side",
  503: "Busy — try again",
};

/** The error page's title, for `c.render` (the layout comes from the page renderer). */
export const errorHead = (status: number): PageHead => ({ title: TITLES[status] ?? "Error" });

/** The whole error page (status, a title, the message that names value and rule). */
export const ErrorPage: FC<{ status: number; message: string }> = ({ status, message }) => (
  <section class="card auth-card" id="error">
    <h1>{TITLES[status] ?? "Error"}</h1>
    <p class="muted">HTTP {status}</p>
    <p>{message}</p>
    <p><a href="/">← Back to the environments</a></p>
  </section>
);

/** The same message as a fragment, for htmx requests. */
export const ErrorFragment: FC<{ status: number; message: string }> = ({ status, message }) => (
  <p class="form-error" role="alert" data-status={status}>{message}</p>
);
