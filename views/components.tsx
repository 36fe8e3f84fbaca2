import type { Child, FC } from "hono/jsx";
import type { MatchStatus, Page } from "./models.ts";

/** A timestamp as `2026-11-27 12:05Z`, with the full ISO value for machines and hover. */
export const Time: FC<{ at: string | null }> = ({ at }) => {
  if (!at) return <span class="muted">—</span>;
  const iso = new Date(at).toISOString();
  return (
    <time datetime={iso} title={iso}>
      {iso.slice(0, 16).replace("T", " ")}Z
    </time>
  );
};

const STATUS_CLASS: Record<string, string> = {
  pending: "neutral",
  building: "info",
  active: "good",
  inactive: "neutral",
  failed: "bad",
  running: "info",
  completed: "good",
  disabled: "bad",
};

/** A coloured status pill. */
export const Badge: FC<{ status: MatchStatus | string; label?: string }> = ({ status, label }) => (
  <span class={`badge ${STATUS_CLASS[status] ?? "neutral"}`} data-status={status}>
    {label ?? status}
  </span>
);

/** A signed rating change (+12 / −8). */
export const Delta: FC<{ value: number | null }> = ({ value }) => {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  const cls = value > 0 ? "up" : value < 0 ? "down" : "muted";
  return <span class={`delta ${cls}`}>{value > 0 ? `+${value}` : value < 0 ? `−${-value}` : "±0"}</span>;
};

/** W-L-D as three coloured numbers. */
export const Record: FC<{ wins: number; losses: number; draws: number }> = ({ wins, losses, draws }) => (
  <span class="record" title={`${wins} wins, ${losses} losses, ${draws} draws`}>
    <span class="w">{wins}</span>-<span class="l">{losses}</span>-<span class="d">{draws}</span>
  </span>
);

/** Previous/next links that keep the other query parameters. */
export const Pager: FC<{ page: Page; href: (page: number) => string; target?: string }> = ({ page, href }) => {
  if (page.page <= 1 && !page.hasNext) return null;
  return (
    <nav class="pager" aria-label="pages">
      {page.page > 1 ? <a href={href(page.page - 1)} rel="prev">← Newer</a> : <span />}
      <span class="muted">page {page.page}</span>
      {page.hasNext ? <a href={href(page.page + 1)} rel="next">Older →</a> : <span />}
    </nav>
  );
};

/** The message shown under an input when it was rejected. */
export const FieldError: FC<{ id: string; message?: string }> = ({ id, message }) =>
  message ? (
    <p class="field-error" id={id} role="alert">
      {message}
    </p>
  ) : null;

/** A labelled input with its error beside it. */
export const Field: FC<{
  name: string;
  label: string;
  type?: string;
  value?: string;
  error?: string;
  required?: boolean;
  autocomplete?: string;
  maxlength?: number;
  hint?: Child;
}> = ({ name, label, type = "text", value, error, required, autocomplete, maxlength, hint }) => (
  <div class={`field${error ? " invalid" : ""}`}>
    <label for={`f-${name}`}>{label}</label>
    <input
      id={`f-${name}`}
      name={name}
      type={type}
      value={type === "password" ? undefined : value}
      required={required}
      autocomplete={autocomplete}
      maxlength={maxlength}
      aria-invalid={error ? "true" : undefined}
      aria-describedby={error ? `e-${name}` : undefined}
    />
    {hint && !error && <p class="hint">{hint}</p>}
    <FieldError id={`e-${name}`} message={error} />
  </div>
);

export const Empty: FC<{ children: Child }> = ({ children }) => <p class="empty">{children}</p>;

/**
 * An agent's log (stderr, build output). hono/jsx escapes HTML; control characters (ANSI colour
 * escapes, backspaces, bells) are stored as the agent wrote them and shown here as visible
 * symbols (ESC as ␛), so a log can neither hide text nor pass for something else on the page.
 * tabindex: a log that scrolls inside its box must be reachable by keyboard to be scrolled.
 */
export const LogText: FC<{ text: string }> = ({ text }) => <pre class="log" tabindex={0}>{visibleControls(text)}</pre>;

/** `text` with each control character but tab, newline and carriage return as its Unicode "control picture" (U+2400 block) or `\x..`. */
export function visibleControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return `\\x${code.toString(16)}`;
  });
}
