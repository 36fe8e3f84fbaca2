import type { FC } from "hono/jsx";
import { Layout } from "./layout.tsx";
import type { Viewer } from "./models.ts";

type Json = Record<string, unknown>;
interface Param { name: string; in: "path" | "query"; required?: boolean; schema?: Json }
interface Op { operationId: string; summary: string; description?: string; tags: string[]; parameters: Param[]; requestBody?: { content: Record<string, { schema: Json }> }; responses: Record<string, { description: string }>; security?: unknown[] }

const METHODS = ["get", "post", "put", "delete"] as const;
const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** One operation: what it takes and answers, and a form that sends it from this browser. */
const Operation: FC<{ method: string; path: string; op: Op }> = ({ method, path, op }) => {
  const body = op.requestBody?.content["application/json"];
  const multipart = op.requestBody?.content["multipart/form-data"];
  return (
    <details class="api-op" id={op.operationId}>
      <summary><span class={`method m-${method}`}>{method.toUpperCase()}</span> <code>/api/v1{path}</code> <span class="muted">{op.summary}</span></summary>
      <div class="api-op-body">
        {op.security && <p>Needs a signed-in user: <code>Authorization: Bearer &lt;token&gt;</code> or this browser's session.</p>}
        {op.description && <p>{op.description}</p>}
        {op.parameters.length > 0 && (
          <div class="table-wrap"><table>
            <thead><tr><th>Parameter</th><th>In</th><th>Schema</th></tr></thead>
            <tbody>{op.parameters.map((p) => (
              <tr><td><code>{p.name}</code>{p.required && <span class="muted"> (required)</span>}</td><td>{p.in}</td><td><code class="schema">{JSON.stringify(p.schema ?? {})}</code></td></tr>
            ))}</tbody>
          </table></div>
        )}
        {body && <><h4>JSON body</h4><pre tabindex={0}><code>{pretty(body.schema)}</code></pre></>}
        {multipart && <p>Body: <code>multipart/form-data</code> with <code>agentId</code> and <code>file</code>.</p>}
        <h4>Responses</h4>
        <ul>{Object.entries(op.responses).map(([status, r]) => <li><b>{status}</b> {r.description}</li>)}</ul>
        {!multipart && (
          <form class="try-it" hx-ignore data-method={method.toUpperCase()} data-path={`/api/v1${path}`}>
            <h4>Try it</h4>
            {op.parameters.map((p) => (
              <div class="field">
                <label for={`${op.operationId}-${p.name}`}>{p.name} <span class="muted">({p.in})</span></label>
                <input type="text" id={`${op.operationId}-${p.name}`} name={p.name} data-in={p.in} required={p.in === "path"} />
              </div>
            ))}
            {body && (
              <div class="field">
                <label for={`${op.operationId}-body`}>Body (JSON)</label>
                <textarea id={`${op.operationId}-body`} name="__body" rows={4}>{"{}"}</textarea>
              </div>
            )}
            <div class="actions"><button type="submit" class="small">Send {method.toUpperCase()}</button></div>
            <pre class="try-result" tabindex={0} hidden aria-live="polite"></pre>
          </form>
        )}
      </div>
    </details>
  );
};

/**
 * `/api/docs`: the OpenAPI document rendered as a reference inside the site (its header, its
 * stylesheet, its CSP), grouped by tag, with a "Try it" form per operation (static/api_docs.js
 * sends it with this browser's session). The document itself is at /api/openapi.json.
 */
export const ApiDocsPage: FC<{ viewer: Viewer | null; doc: Json }> = ({ viewer, doc }) => {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Op>>;
  const tags = (doc.tags as Array<{ name: string }>).map((t) => t.name);
  const ops = Object.entries(paths).flatMap(([path, methods]) =>
    METHODS.filter((m) => methods[m]).map((method) => ({ path, method, op: methods[method] })));
  return (
    <Layout title="API reference" viewer={viewer}>
      <div class="page-head">
        <div>
          <h1>{info.title} <span class="muted">{info.version}</span></h1>
          <p>{info.description}</p>
          <p>
            Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Scripts authenticate
            with <code>Authorization: Bearer &lt;token&gt;</code> (from <code>POST /api/v1/auth/login</code>); "Try it" below uses this
            browser's session{viewer ? <> (signed in as <b>{viewer.username}</b>)</> : <> — <a href="/login?next=/api/docs">log in</a> to try the calls that need it</>}.
          </p>
        </div>
      </div>
      <nav class="actions spaced" aria-label="API sections">{tags.map((t) => <a class="button small" href={`#tag-${t}`}>{t}</a>)}</nav>
      {tags.map((tag) => (
        <section class="card spaced" id={`tag-${tag}`}>
          <h2>{tag}</h2>
          {ops.filter((o) => o.op.tags.includes(tag)).map((o) => <Operation method={o.method} path={o.path} op={o.op} />)}
        </section>
      ))}
      <script src="/static/api_docs.js" defer></script>
    </Layout>
  );
};
