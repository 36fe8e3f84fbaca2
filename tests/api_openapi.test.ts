import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { apiRoutes, apiV1 } from "../src/web/api/routes.ts";
import type { WebDeps } from "../src/web/deps.ts";
import { openApiDocument } from "../src/web/api/openapi.ts";
import { staticRoutes } from "../src/web/http/static.ts";
import { seededUploadLimits } from "../src/submissions/upload_limits.ts";
import { createTestDatabase } from "./helpers/database.ts";

// Building the routers never touches the database; only serving the document does (its upload limit).
const deps = {
  sql: null,
  log: createLogger({ level: "error" }),
  config: loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "rla-openapi-")), JWT_SECRET: "t".repeat(40) }),
} as unknown as WebDeps;

/** Every (method, path) the /api/v1 router answers, in OpenAPI path syntax. */
function routerOperations(): string[] {
  const seen = new Set<string>();
  for (const r of apiV1(deps).routes) {
    if (r.method === "ALL") continue; // middleware and the JSON 404 catch-all
    const path = r.path.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}");
    seen.add(`${r.method.toLowerCase()} ${path}`);
  }
  return [...seen].sort();
}

function documentOperations(): string[] {
  const doc = openApiDocument({ maxUploadBytes: seededUploadLimits().maxPackedBytes }) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)).sort();
}

test("every route of the API router is in the OpenAPI document and every documented operation exists", () => {
  const router = routerOperations();
  const documented = documentOperations();
  assert.ok(router.length >= 25, `only ${router.length} routes found`);
  assert.equal(router.filter((r) => !documented.includes(r)), [], "routes missing from the document");
  assert.equal(documented.filter((d) => !router.includes(d)), [], "documented operations without a route");
});

test("the document is OpenAPI 3.1 whose $refs all resolve and whose operation ids are unique", () => {
  const doc = openApiDocument({ maxUploadBytes: seededUploadLimits().maxPackedBytes }) as { openapi: string; components: { schemas: Record<string, unknown> }; paths: Record<string, Record<string, { operationId: string }>> };
  assert.is(doc.openapi, "3.1.0");
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
  assert.ok(refs.length > 10);
  for (const r of refs) assert.ok(doc.components.schemas[r], `unresolved $ref ${r}`);
  const ids = Object.values(doc.paths).flatMap((m) => Object.values(m).map((o) => o.operationId));
  assert.is(new Set(ids).size, ids.length);
});

test("request bodies in the document come from the handlers' zod schemas", () => {
  const doc = openApiDocument({ maxUploadBytes: seededUploadLimits().maxPackedBytes }) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, { minLength?: number }>; required: string[] } }> } }>> };
  const register = doc.paths["/auth/register"].post.requestBody!.content["application/json"].schema;
  assert.equal(register.required.sort(), ["email", "password", "username"]);
  assert.is(register.properties.password.minLength, 8);
  const upload = doc.paths["/submissions"].post.requestBody!.content["multipart/form-data"].schema;
  assert.equal(upload.required, ["agentId", "file"]);
});

test("GET /api/openapi.json serves the document and /api/docs is a page of the site that starts Swagger UI from this server's files", async () => {
  const db = await createTestDatabase(); // the document states the settings' upload limit (upload_limits())
  const app = apiRoutes({ ...deps, sql: db.sql });
  try {
  const json = await app.request("/openapi.json");
  assert.is(json.status, 200);
  assert.is((await json.json()).openapi, "3.1.0");
  const docs = await app.request("/docs");
  assert.is(docs.status, 200);
  const page = await docs.text();
  assert.match(page, /<!DOCTYPE html>/);
  assert.match(page, /<div id="swagger-ui"/);
  assert.match(page, /<a class="brand" href="\/">/, "the site's header links back home");
  assert.match(page, /<link rel="icon" href="\/static\/favicon.svg"/);
  const scripts = [...page.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
  for (const src of ["/static/vendor/swagger-ui-bundle.js", "/static/api_docs.js"]) {
    assert.ok(scripts.some((t) => t.includes(`src="${src}"`)), `${src} among ${scripts.join("\n")}`);
  }
  for (const tag of scripts) assert.match(tag, /src="\/static\//, `only the site's own script files (no inline script): ${tag}`);
  assert.match(page, /<link rel="stylesheet" href="\/static\/vendor\/swagger-ui.css"/);
  assert.not.match(page, /(src|href)="(https?:)?\/\//i);
  } finally {
    await db.drop();
  }
});

test("Swagger UI's files are served from node_modules under /static/vendor", async () => {
  const app = staticRoutes();
  for (const [file, type] of [["swagger-ui-bundle.js", /javascript/], ["swagger-ui.css", /text\/css/]] as const) {
    const res = await app.request(`/static/vendor/${file}`);
    assert.is(res.status, 200, file);
    assert.match(res.headers.get("content-type") ?? "", type);
    assert.ok((await res.text()).length > 10_000, `${file} is the library, not a stub`);
  }
  const init = await app.request("/static/api_docs.js");
  assert.match(await init.text(), /url: "\/api\/openapi.json"/, "the page starts Swagger UI on the served document");
});

test.run();
