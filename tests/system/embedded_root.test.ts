/**
 * The README's two commands from a checkout in a private folder (issue 11, items 5 and 13):
 * a copy of the project in a `mktemp -d` folder (mode 0700, as /root is) runs `node
 * dist/main.js` with the default DATA_DIR and embedded PostgreSQL, and the test runner starts
 * its embedded cluster there too. As root, PostgreSQL runs as user "postgres", which cannot
 * enter that folder. The embedded cluster takes only its random password, which
 * `npm run psql` reads from DATA_DIR.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { removeEmbeddedCluster } from "../../src/db/embedded.ts";
import { PROJECT_ROOT } from "../../src/paths.ts";
import { startBuiltPlatform } from "../helpers/built_platform.ts";
import { registerUser } from "../helpers/http_user.ts";
import { freePort } from "../helpers/ports.ts";
import { processesMatching, waitFor } from "../helpers/processes.ts";

const asRoot = process.getuid?.() === 0;
const privateFolder = mkdtempSync(join(tmpdir(), "rla-private-")); // 0700
const checkout = join(privateFolder, "rl-arena");

/** The project as a user has it after `npm install && npm run build`: hard links (one file system), dist/ copied. */
function copyCheckout(): void {
  mkdirSync(checkout);
  for (const name of readdirSync(PROJECT_ROOT)) {
    if (name === ".git" || name === ".data" || name === "dist") continue;
    const r = spawnSync("cp", ["-al", join(PROJECT_ROOT, name), join(checkout, name)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`cp -al ${name}: ${r.stderr}`);
  }
  // A real copy: nothing run here may write through a link into the shared checkout's build.
  const r = spawnSync("cp", ["-a", join(PROJECT_ROOT, "dist"), join(checkout, "dist")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cp -a dist: ${r.stderr}`);
}

/** Runs a command in the private checkout with the user's environment (none of the runner's variables). */
function runHere(command: string, args: string[], env: Record<string, string>, ms: number): Promise<{ code: number | null; output: string }> {
  const clean: Record<string, string> = { ...process.env as Record<string, string>, ...env };
  for (const name of ["RLA_TEST_ADMIN_URL", "RLA_TEST_TEMPLATE", "TEST_DATABASE_URL", "DATABASE_URL", "DATA_DIR"]) delete clean[name];
  const child = spawn(command, args, { cwd: checkout, env: clean, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const timer = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, ms);
  return new Promise((resolve) => child.on("close", (code) => { clearTimeout(timer); resolve({ code, output }); }));
}

test.before(() => copyCheckout());
let workDir: string | null = null;

test.after(async () => {
  await removeEmbeddedCluster(join(checkout, ".data", "pg"));
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  rmSync(privateFolder, { recursive: true, force: true });
});

test("npm start's command with the default DATA_DIR runs from a private folder; the database takes only its random password, which npm run psql uses", async () => {
  const pgPort = String(await freePort());
  const platform = await startBuiltPlatform({ cwd: checkout, database: "embedded", env: { DATA_DIR: ".data", EMBEDDED_PG_PORT: pgPort } });
  try {
    const requested = join(checkout, ".data", "pg");
    const realDir = realpathSync(requested);
    if (asRoot) {
      assert.match(platform.output(), /embedded PostgreSQL: user "postgres" cannot reach .*\/rl-arena\/\.data .*lives in \/var\/lib\/rl-arena\/pg-/, "the log says where the cluster went");
      assert.match(platform.output(), /embedded PostgreSQL: user "postgres" cannot reach .*node_modules.*runs from the copy in \/var\/lib\/rl-arena\//, "and where the binaries run from");
      assert.ok(realDir.startsWith("/var/lib/rl-arena/pg-"), realDir);
      // Sandboxed agents (host uids of their own) cannot pass the private folder either.
      const work = /their runtime and unpacked code live in (\S+)/.exec(platform.output());
      if (/sandbox ready .*separateUids=true/.test(platform.output())) assert.ok(work?.[1]?.startsWith("/var/lib/rl-arena/work-"), platform.output());
      if (work) workDir = work[1]!;
      assert.is(statSync(privateFolder).mode & 0o777, 0o700, "the private folder was not opened up");
    }
    assert.ok(processesMatching(realDir).length > 0, "the embedded postgres runs");

    const passwordFile = join(checkout, ".data", "pg-password");
    assert.is(statSync(passwordFile).mode & 0o777, 0o600);
    const password = readFileSync(passwordFile, "utf8").trim();
    for (const [what, pw] of [["postgres/postgres", "postgres"], ["no password", undefined]] as const) {
      const sql = postgres({ host: "127.0.0.1", port: Number(pgPort), user: "postgres", password: pw, database: "rl_arena", max: 1, connect_timeout: 10, onnotice: () => {} });
      const error = await sql`select 1`.then(() => null, (e: { code?: string }) => e.code);
      await sql.end({ timeout: 5 });
      assert.is(error, "28P01", `${what} on the embedded port is refused`);
    }

    // The operator's way in, and to make the first administrator (README, "Reaching the database").
    const alice = await registerUser(platform.url, "alice_operator").catch((e: Error) => {
      throw new Error(`${e.message}; the platform said:\n${platform.output().slice(-3000)}`);
    });
    const psql = await runHere("npm", ["run", "--silent", "psql", "--", "-tA", "-c", "select current_database()", "-c", "select role from grant_admin('alice_operator')"], { EMBEDDED_PG_PORT: pgPort }, 30_000);
    assert.is(psql.code, 0, psql.output);
    assert.equal(psql.output.trim().split("\n"), ["rl_arena", "admin"], psql.output);
    const me = await (await alice.api("/users/me")).json() as { role?: string; user?: { role?: string } };
    assert.is(me.role ?? me.user?.role, "admin", JSON.stringify(me));
    const url = await runHere("npm", ["run", "--silent", "psql", "--", "--url"], { EMBEDDED_PG_PORT: pgPort }, 30_000);
    assert.is(url.output.trim(), `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/rl_arena`);
  } finally {
    await platform.stop();
  }
  await waitFor(() => processesMatching(join(checkout, ".data")).length === 0, 10_000, "no process left");
});

test("npm test starts its embedded cluster from a private folder and cleans it up", async () => {
  const run = await runHere("npm", ["test", "--", "tests/config.test"], {}, 120_000);
  assert.is(run.code, 0, run.output);
  assert.match(run.output, /\(embedded\); 1 test files/);
  assert.match(run.output, /^\d+ passed, 0 failed$/m);
  if (asRoot) assert.match(run.output, /embedded PostgreSQL: user "postgres" cannot reach .*\/rl-arena\/\.data\/pg-test/, run.output);
  const left = existsSync(join(checkout, ".data", "pg-test")) ? readdirSync(join(checkout, ".data", "pg-test")) : [];
  assert.equal(left.filter((n) => !n.startsWith(".")), [], "the run removed its cluster, its link and its password file");
});

test.run();
