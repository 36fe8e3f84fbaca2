import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { apiRoutes, apiV1 } from "../src/web/api/routes.ts";
import type { WebDeps } from "../src/web/deps.ts";
import { openApiDocument } from "../src/web/api/openapi.ts";
import { staticRoutes } from "../src/web/http/static.ts";
import { seededUploadLimits } from "../src/submissions/upload_limits.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { relaxRateLimits } from "./helpers/http_user.ts";
import { webApp } from "./helpers/web.ts";

// Building the routers never touches the database; only serving the document does (its upload limit).
const deps = {
  sql: null,
  log: createLogger({ level: "error" }),
  config: loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "rla-openapi-")), JWT_SECRET: "t".repeat(40) }),
} as unknown as WebDeps;

/** Every (method, path) the /api/v1 router answers, in OpenAPI path syntax. */
function routerOperations(api = apiV1(deps)): string[] {
  const seen = new Set<string>();
  for (const r of api.routes) {
    if (r.method === "ALL") continue; // middleware and the JSON 404 catch-all
    const path = r.path.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}");
    seen.add(`${r.method.toLowerCase()} ${path}`);
  }
  return [...seen].sort();
}

const documentOf = (api = apiV1(deps)) => openApiDocument(api, { maxUploadBytes: seededUploadLimits().maxPackedBytes });

function documentOperations(api = apiV1(deps)): string[] {
  const doc = documentOf(api) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)).sort();
}

test("every route of the API router is in the OpenAPI document and every documented operation exists", () => {
  const router = routerOperations();
  const documented = documentOperations();
  assert.ok(router.length >= 25, `only ${router.length} routes found`);
  assert.equal(router.filter((r) => !documented.includes(r)), [], "routes missing from the document");
  assert.equal(documented.filter((d) => !router.includes(d)), [], "documented operations without a route");
});

test("a route added without a createRoute definition is routed but missing from the document, so the check above names it", () => {
  const api = apiV1(deps);
  api.get("/agents/:id/undocumented", (c) => c.json({}));
  assert.ok(routerOperations(api).includes("get /agents/{id}/undocumented"));
  assert.not.ok(documentOperations(api).includes("get /agents/{id}/undocumented"));
});

test("the document is OpenAPI 3.1 whose $refs all resolve and whose operation ids are unique", () => {
  const doc = documentOf() as { openapi: string; components: { schemas: Record<string, unknown> }; paths: Record<string, Record<string, { operationId: string }>> };
  assert.is(doc.openapi, "3.1.0");
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
  assert.ok(refs.length > 10);
  for (const r of refs) assert.ok(doc.components.schemas[r], `unresolved $ref ${r}`);
  const ids = Object.values(doc.paths).flatMap((m) => Object.values(m).map((o) => o.operationId));
  assert.is(new Set(ids).size, ids.length);
});

test("the document lists every tag its operations use, each once (Swagger UI groups by them)", () => {
  const doc = documentOf() as { tags: Array<{ name: string }>; paths: Record<string, Record<string, { tags?: string[] }>> };
  const used = new Set(Object.values(doc.paths).flatMap((m) => Object.values(m).flatMap((o) => o.tags ?? [])));
  const listed = doc.tags.map((t) => t.name);
  assert.equal([...listed].sort(), [...used].sort());
});

test("request bodies in the document come from the handlers' zod schemas", () => {
  const doc = documentOf() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, { minLength?: number }>; required: string[] } }> } }>> };
  const register = doc.paths["/auth/register"].post.requestBody!.content["application/json"].schema;
  assert.equal(register.required.sort(), ["email", "password", "username"]);
  assert.is(register.properties.password.minLength, 8);
  const upload = doc.paths["/submissions"].post.requestBody!.content["multipart/form-data"].schema;
  assert.equal(upload.required, ["agentId", "file"]);
});

interface DocParameter { name: string; in: string; schema: { format?: string; maximum?: number; enum?: string[] } }
interface DocOperation { parameters?: DocParameter[]; requestBody?: { content: Record<string, unknown> } }

test("every documented rule is enforced by the router with our error answers: a path id that is no UUID is a 404, a query out of its range and a body that breaks its schema are 400s naming the rule", async () => {
  const db = await createTestDatabase();
  await relaxRateLimits(db.sql); // one request per rule: the auth and upload classes would run out
  const app = apiRoutes({ ...deps, sql: db.sql });
  try {
    let token = "";
    const send = (method: string, path: string, body?: string, type = "application/json") => app.request("/v1" + path, {
      method: method.toUpperCase(), body, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": type }) },
    });
    const registered = await send("post", "/auth/register", JSON.stringify({ username: "schema_user", email: "schema@example.test", password: "long-enough-pw" }));
    assert.is(registered.status, 201);
    token = (await registered.json() as { token: string }).token;
    const doc = documentOf(apiV1({ ...deps, sql: db.sql })) as { paths: Record<string, Record<string, DocOperation>> };
    const checked = { ids: 0, queries: 0, bodies: 0 };
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const params = op.parameters ?? [];
        const pathWith = (badId?: string) => template.replace(/\{(\w+)\}/g, (_, name: string) =>
          name === badId ? "not-a-uuid" : params.find((p) => p.name === name)?.schema.format === "uuid" ? randomUUID() : "pong");
        const json = op.requestBody?.content["application/json"] ? "{}" : undefined;
        for (const id of params.filter((p) => p.in === "path" && p.schema.format === "uuid")) {
          const res = await send(method, pathWith(id.name), json);
          assert.is(res.status, 404, `${method} ${template} with ${id.name} not a UUID`);
          const body = await res.json();
          assert.is(body.error, "not_found");
          assert.match(body.message, `"not-a-uuid" does not exist (ids are UUIDs)`);
          checked.ids++;
        }
        for (const q of params.filter((p) => p.in === "query" && (p.schema.maximum !== undefined || p.schema.enum))) {
          const value = (p: DocParameter) => p.schema.maximum !== undefined ? String(p.schema.maximum + 1) : "no-such-value";
          const res = await send(method, `${pathWith()}?${q.name}=${value(q)}`, json);
          assert.is(res.status, 400, `${method} ${template}?${q.name}=${value(q)}`);
          const body = await res.json();
          assert.is(body.error, "bad_request");
          assert.match(body.message, new RegExp(`^${q.name}: `), "the message names the parameter");
          assert.ok(body.details[q.name], "details name the parameter");
          checked.queries++;
        }
        if (json) {
          const res = await send(method, pathWith(), "[]");
          assert.is(res.status, 400, `${method} ${template} with an array for a body`);
          assert.equal(Object.keys(await res.json()).sort(), ["details", "error", "message"]);
          const text = await send(method, pathWith(), "name=x", "text/plain");
          assert.is(text.status, 400, `${method} ${template} with a text body`);
          assert.match((await text.json()).message, 'send a JSON body with Content-Type: application/json (got "text/plain")');
          checked.bodies++;
        }
      }
    }
    assert.ok(checked.ids >= 15 && checked.queries >= 15 && checked.bodies >= 8, JSON.stringify(checked));
  } finally {
    await db.drop();
  }
});

test("a body field that breaks its rule answers 400 with the field and the rule in the message and the details", async () => {
  const db = await createTestDatabase();
  const app = apiRoutes({ ...deps, sql: db.sql });
  try {
    const res = await app.request("/v1/auth/register", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ok_name", email: "not-an-email", password: "long-enough-pw" }) });
    assert.is(res.status, 400);
    assert.equal(await res.json(), { error: "bad_request", message: "email: must be an email address", details: { email: ["must be an email address"] } });
  } finally {
    await db.drop();
  }
});

test("every JSON Content-Type our check lets through is one the router's validator reads: a 400 for a bad login, never a 415 or 500", async () => {
  const db = await createTestDatabase();
  const app = apiV1({ ...deps, sql: db.sql });
  try {
    for (const type of ["application/json", "application/json;charset=UTF-8", "application/json ; charset=utf-8", "application/vnd.v2+json", "application/problem+json"]) {
      const res = await app.request("/auth/login", { method: "POST", headers: { "content-type": type }, body: "{}" });
      assert.is(res.status, 400, type);
      assert.is((await res.json()).error, "bad_request", type);
    }
  } finally {
    await db.drop();
  }
});

test("GET /api/openapi.json serves the document and /api/docs is a page of the site that starts Swagger UI from this server's files", async () => {
  const db = await createTestDatabase(); // the document states the settings' upload limit (upload_limits())
  const { app } = webApp(db.sql); // the whole app: /api/docs gets the site's layout from its page renderer
  try {
  const json = await app.request("/api/openapi.json");
  assert.is(json.status, 200);
  assert.is((await json.json()).openapi, "3.1.0");
  const docs = await app.request("/api/docs");
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
