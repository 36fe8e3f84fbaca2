import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { ensureDatabase, startEmbeddedPostgres } from "../src/db/embedded.ts";
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

test.run();
