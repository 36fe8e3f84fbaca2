import { test } from "uvu";
import * as assert from "uvu/assert";
import { migrate } from "../src/db/migrate.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { insertMatch, makeAgent, makeUser, playMatch } from "./helpers/sql_fixtures.ts";

const db = await createTestDatabase({ max: 2 });
const sql = db.sql;

/** Everything our files define, and the rows they seed, as one comparable snapshot. */
async function snapshot() {
  const [catalog] = await sql`
    select
      (select json_agg(x order by x) from (select p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid)) as x
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.prokind = 'f') f) as functions,
      (select json_agg(x order by x) from (select c.relname || ':' || c.relkind::text || ':' || md5(coalesce(pg_get_viewdef(c.oid), '')) as x
        from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public') r) as relations,
      (select json_agg(x order by x) from (select conrelid::regclass::text || '.' || conname || ' ' || pg_get_constraintdef(oid) as x
        from pg_constraint where connamespace = 'public'::regnamespace) k) as constraints,
      (select json_agg(x order by x) from (select tgname as x from pg_trigger where not tgisinternal) t) as triggers,
      (select json_agg(s order by s.key) from (select key, value, description from settings) s) as settings,
      (select json_agg(e order by e.id) from (select id, version, name, description, config, settings, enabled from environments) e) as environments`;
  const [data] = await sql`
    select (select json_agg(a order by a.id) from (select id, name, rating, games, active_submission_id from agents) a) as agents,
           (select count(*) from matches) as matches, (select count(*) from rating_history) as history`;
  return { catalog, data };
}

test("applying all migrations and concept files again (force) changes neither the schema, the seeds nor the data", async () => {
  const u = await makeUser(sql);
  const a = await makeAgent(sql, u.id);
  const b = await makeAgent(sql, u.id);
  await playMatch(sql, await insertMatch(sql, a, b), 0);
  await sql`select set_setting('match_cooldown_s', '120')`;
  await sql`select upsert_environment('pong', '1.0.0', 'Pong', ${sql.json({ rules: "set by the app at boot" })})`;
  const before = await snapshot();
  const first = await migrate(sql, undefined, { force: true });
  const second = await migrate(sql, undefined, { force: true });
  const after = await snapshot();
  assert.equal(first.migrations, []);
  assert.ok(first.concepts.length >= 10, first.concepts.join(", "));
  assert.equal(second.concepts, first.concepts);
  assert.equal(after, before);
  const [{ value }] = await sql`select value from settings where key = 'match_cooldown_s'`;
  assert.is(value, 120, "an operator's value survives a re-run of the seeds");
});

test.after(async () => {
  await db.drop();
});

test.run();
