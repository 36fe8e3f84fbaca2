/**
 * The Docker image, as far as a machine without a Docker engine can go: every instruction of the
 * Dockerfile is carried out on a folder (tests/helpers/dockerfile.ts: the same COPY with
 * .dockerignore, the same RUN lines — npm ci, the build, the agent runtime, the prune), then the
 * image's CMD runs as its USER (10001, files owned by root) with its ENV (NODE_ENV=production)
 * and the writable /app/.data the Kubernetes Deployments mount, and is checked over HTTP. What
 * this cannot check: the base image's own Node and Debian files (the host's are used).
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../../src/paths.ts";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { buildDockerfile, type BuiltImage } from "../helpers/dockerfile.ts";
import { waitFor } from "../helpers/processes.ts";

let folder: string;
let image: BuiltImage;
let db: TestDatabase;
let platform: BuiltPlatform | null = null;

test.before(async () => {
  folder = mkdtempSync(join(tmpdir(), "rla-image-"));
  chmodSync(folder, 0o755); // the image's user must reach /app, as in a real image
  image = buildDockerfile(PROJECT_ROOT, folder);
  // What the pods mount: an emptyDir at /app/.data, writable by the pod's user.
  const data = join(image.workdir, ".data");
  mkdirSync(data, { recursive: true });
  chownSync(data, image.user!.uid, image.user!.gid);
  db = await createTestDatabase();
});

test.after(async () => {
  await platform?.stop();
  await db?.drop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test("the image holds the server bundle, prod dependencies and the agent runtime, not tests or dev tools", () => {
  for (const path of ["dist/main.js", "sql/concepts.txt", "static", "node_modules/hono", "node_modules/tsx"]) {
    assert.ok(existsSync(join(image.workdir, path)), `${path} is in the image`);
  }
  for (const path of ["tests", "bench", "node_modules/typescript", "node_modules/uvu", ".git"]) {
    assert.not.ok(existsSync(join(image.workdir, path)), `${path} is not in the image`);
  }
  assert.equal(image.user, { uid: 10001, gid: 10001 });
  assert.is(image.env.NODE_ENV, "production");
});

test("the migration Job's command runs in the image as its user", () => {
  const job = readFileSync(join(PROJECT_ROOT, "k8s", "base", "migrate-job.yaml"), "utf8");
  const args = JSON.parse(/args:\s*(\[.*\])/.exec(job)![1]) as string[];
  const run = spawnSync(process.execPath, args.slice(1), {
    cwd: image.workdir, uid: image.user!.uid, gid: image.user!.gid, encoding: "utf8", timeout: 60_000,
    // The Job gets the same ConfigMap and Secret (DATABASE_URL, JWT_SECRET) as the Deployments.
    env: { PATH: process.env.PATH, HOME: "/tmp", ...image.env, DATABASE_URL: db.url, JWT_SECRET: "k".repeat(40), DATA_DIR: join(image.workdir, ".data") },
  });
  assert.is(run.status, 0, `${args.join(" ")}: ${run.stdout}${run.stderr}`);
});

test("the image's CMD, as user 10001 with NODE_ENV=production, serves pages, the API and a demo match's replays", async () => {
  platform = await startBuiltPlatform({
    cwd: image.workdir,
    command: image.cmd[0] === "node" ? [process.execPath, ...image.cmd.slice(1)] : image.cmd,
    user: image.user!,
    database: { url: db.url },
    dataDir: join(image.workdir, ".data"),
    env: { ...image.env, JWT_SECRET: "k".repeat(40), DEMO: "true", HOME: "/tmp" },
  });
  for (const path of ["/", "/environments/pong", "/api/v1/environments", "/api/docs"]) {
    const res = await fetch(platform.url + path);
    assert.is(res.status, 200, `${path} answered ${res.status}`);
    assert.is(res.headers.get("x-content-type-options"), "nosniff", `${path} carries nosniff`);
  }
  let matchId = "";
  await waitFor(async () => {
    const body = await (await fetch(`${platform!.url}/api/v1/matches?status=completed`)).json() as { matches: { id: string }[] };
    matchId = body.matches[0]?.id ?? "";
    return matchId !== "";
  }, 60_000, () => `a completed demo match\n${platform!.output().slice(-3000)}`);
  for (const format of ["json", "html"]) {
    const res = await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=${format}`);
    assert.is(res.status, 200, `${format} replay: ${res.status} ${(await res.text()).slice(0, 300)}`);
  }
  const { code } = await platform.stop();
  assert.is(code, 0, platform.output().slice(-2000));
});

test.run();
