import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sql } from "postgres";
import { isMigrated, migrate } from "../src/db/migrate.ts";
import { createTestDatabase } from "./helpers/database.ts";

function fixtureDir(migrations: Record<string, string>, concepts: Record<string, string>, order?: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "rla-sql-"));
  mkdirSync(join(dir, "migrations"));
  for (const [name, text] of Object.entries(migrations)) writeFileSync(join(dir, "migrations", name), text);
  for (const [name, text] of Object.entries(concepts)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "concepts.txt"), (order ?? Object.keys(concepts)).join("\n") + "\n");
  return dir;
}

/** Everything a migration can change that we care about, in a comparable form. */
async function schemaSnapshot(sql: Sql): Promise<string> {
  const columns = await sql`
    select table_schema, table_name, column_name, data_type, column_default, is_nullable
    from information_schema.columns where table_schema = 'public' order by 1, 2, 3`;
  const functions = await sql`
    select p.proname, pg_get_functiondef(p.oid) as def from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' order by 1, 2`;
  const constraints = await sql`
    select conname, pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where n.nspname = 'public' order by 1`;
  const indexes = await sql`select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`;
  const views = await sql`select viewname, definition from pg_views where schemaname = 'public' order by 1`;
  const triggers = await sql`select tgname, pg_get_triggerdef(t.oid) as def from pg_trigger t where not tgisinternal order by 1`;
  const settings = await sql`select key, value from settings order by key`;
  return JSON.stringify({ columns, functions, constraints, indexes, views, triggers, settings });
}

test("migrations are applied once each, in numeric order, then the concept files in the listed order", async () => {
  const db = await createTestDatabase({ empty: true });
  try {
    const dir = fixtureDir(
      {
        "0002_second.sql": "insert into log (what) values ('0002');",
        "0001_first.sql": "create table log (n serial primary key, what text not null); insert into log (what) values ('0001');",
        "0010_tenth.sql": "insert into log (what) values ('0010');",
      },
      { "b.sql": "insert into log (what) values ('b');", "a.sql": "insert into log (what) values ('a');" },
      ["b.sql", "a.sql"],
    );
    const first = await migrate(db.sql, dir);
    assert.equal(first.migrations, ["0001_first.sql", "0002_second.sql", "0010_tenth.sql"]);
    assert.equal(first.concepts, ["b.sql", "a.sql"]);
    const rows = await db.sql`select what from log order by n`;
    assert.equal(rows.map((r) => r.what), ["0001", "0002", "0010", "b", "a"]);

    const second = await migrate(db.sql, dir);
    assert.equal(second, { migrations: [], concepts: [] }, "nothing is re-applied when nothing changed");
    assert.is((await db.sql`select count(*)::int as n from log`)[0].n, 5);
    assert.ok(await isMigrated(db.sql, dir));
  } finally {
    await db.drop();
  }
});

test("a changed concept file is re-applied; a new migration is applied alone", async () => {
  const db = await createTestDatabase({ empty: true });
  try {
    const dir = fixtureDir({ "0001_t.sql": "create table t (v int);" }, { "f.sql": "create or replace function f() returns int language sql as 'select 1';" });
    await migrate(db.sql, dir);
    writeFileSync(join(dir, "f.sql"), "create or replace function f() returns int language sql as 'select 2';");
    writeFileSync(join(dir, "migrations", "0002_u.sql"), "insert into t values (7);");
    assert.ok(!(await isMigrated(db.sql, dir)), "a new migration on disk means not migrated");
    const r = await migrate(db.sql, dir);
    assert.equal(r, { migrations: ["0002_u.sql"], concepts: ["f.sql"] });
    assert.is((await db.sql`select f() as v`)[0].v, 2);
  } finally {
    await db.drop();
  }
});

test("a failing migration rolls back everything of that run and names the file", async () => {
  const db = await createTestDatabase({ empty: true });
  try {
    const dir = fixtureDir({ "0001_ok.sql": "create table ok (v int);", "0002_bad.sql": "create table broken (v nosuchtype);" }, {});
    await migrate(db.sql, dir).then(
      () => assert.unreachable("must fail"),
      (e: Error) => assert.match(e.message, /0002_bad\.sql: type "nosuchtype" does not exist/),
    );
    const [{ t }] = await db.sql`select to_regclass('ok') as t`;
    assert.is(t, null, "0001 was rolled back with the failing run");
  } finally {
    await db.drop();
  }
});

test("a concept file missing from sql/concepts.txt is an error that names it", async () => {
  const db = await createTestDatabase({ empty: true });
  try {
    const dir = fixtureDir({ "0001_a.sql": "select 1;" }, { "listed.sql": "select 1;" });
    writeFileSync(join(dir, "forgotten.sql"), "select 1;");
    await migrate(db.sql, dir).then(
      () => assert.unreachable("must fail"),
      (e: Error) => assert.match(e.message, /does not list forgotten\.sql/),
    );
  } finally {
    await db.drop();
  }
});

test("applying the project's migrations and concept files twice changes nothing", async () => {
  const db = await createTestDatabase({ empty: true });
  try {
    await migrate(db.sql);
    const once = await schemaSnapshot(db.sql);
    const again = await migrate(db.sql, undefined, { force: true });
    assert.ok(again.concepts.length > 0, "force re-applied every concept file");
    assert.is(await schemaSnapshot(db.sql), once);
  } finally {
    await db.drop();
  }
});

test("two processes booting at once on a fresh database both succeed and apply each migration once", async () => {
  const db = await createTestDatabase({ empty: true });
  try {
    const boot = () => new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/prepare_main.ts", db.url], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolve({ code: code ?? 1, out }));
    });
    const [a, b] = await Promise.all([boot(), boot()]);
    assert.is(a.code, 0, a.out);
    assert.is(b.code, 0, b.out);
    const rows = await db.sql`select name, count(*)::int as n from schema_migrations group by name`;
    assert.ok(rows.length > 0);
    for (const r of rows) assert.is(r.n, 1, `${r.name} applied once`);
    assert.ok(await isMigrated(db.sql));
    const [{ queues }] = await db.sql`select count(*)::int as queues from pgboss.queue where name in ('match.run', 'submission.build')`;
    assert.is(queues, 2, "pg-boss schema and our queues exist");
  } finally {
    await db.drop();
  }
});

test.run();
