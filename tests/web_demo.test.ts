import { test } from "uvu";
import * as assert from "uvu/assert";
import { builtinAgents } from "rl-arena-env";
import { createTestDatabase } from "./helpers/database.ts";
import { createLogger } from "../src/log.ts";
import { seedDemo } from "../src/demo.ts";

const db = await createTestDatabase();
const log = createLogger({ level: "error" });

test("an empty database gets a demo user with one active built-in agent per policy", async () => {
  const created = await seedDemo(db.sql, log);
  assert.is(created, Object.keys(builtinAgents).length);
  const rows = await db.sql`
    select a.name, a.environment_id, s.status, s.language, s.entry from agents a join users u on u.id = a.owner_id
    join submissions s on s.id = a.active_submission_id where u.username = 'demo' order by a.name`;
  assert.is(rows.length, created);
  for (const r of rows) {
    assert.is(r.status, "active");
    assert.is(r.language, "builtin");
    assert.is(r.entry, r.name);
    assert.is(r.environment_id, builtinAgents[r.name].envId);
  }
});

test("a database that has users is left alone", async () => {
  assert.is(await seedDemo(db.sql, log), 0);
  const [{ n }] = await db.sql`select count(*)::int as n from agents`;
  assert.is(n, Object.keys(builtinAgents).length);
});

test.after(() => db.drop());
test.run();
