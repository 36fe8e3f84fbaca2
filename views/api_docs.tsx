import type { FC } from "hono/jsx";
import type { PageHead } from "./layout.tsx";
import type { Viewer } from "./models.ts";

/**
 * `/api/docs`: the site's header around Swagger UI (swagger-ui-dist, served from node_modules
 * at /static/vendor, no CDN). static/api_docs.js starts it on /api/openapi.json with "Try it
 * out" on; its calls go to this origin, so they carry this browser's session, and its Authorize
 * button takes a Bearer token. The widget is left alone by htmx (hx-ignore): its links and
 * forms are its own.
 */
export const apiDocsHead: PageHead = { title: "API reference" };

export const ApiDocsPage: FC<{ viewer: Viewer | null; doc: Record<string, unknown> }> = ({ viewer, doc }) => {
  const info = doc.info as { title: string; version: string };
  return (
  <>
    <link rel="stylesheet" href="/static/vendor/swagger-ui.css" />
    <link rel="stylesheet" href="/static/api_docs.css" />
    <div class="page-head">
      <div>
        <h1>{info.title} <span class="muted">{info.version}</span></h1>
        <p>
          Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Scripts authenticate
          with <code>Authorization: Bearer &lt;token&gt;</code> (from <code>POST /api/v1/auth/login</code>; "Authorize" below takes it);
          "Try it out" otherwise uses this browser's session{viewer ? <> (signed in as <b>{viewer.username}</b>)</> : <> — <a href="/login?next=/api/docs">log in</a> to try the calls that need it</>}.
        </p>
      </div>
    </div>
    <div id="swagger-ui" class="card api-reference" hx-ignore>
      <noscript>The interactive reference needs JavaScript; the document itself is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript>
    </div>
    <script src="/static/vendor/swagger-ui-bundle.js"></script>
    <script src="/static/api_docs.js"></script>
  </>
  );
};
