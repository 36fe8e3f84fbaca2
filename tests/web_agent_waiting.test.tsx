import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestDatabase } from "./helpers/database.ts";
import { makeAgent, makeUser } from "./helpers/sql_fixtures.ts";
import { ORIGIN, webApp } from "./helpers/web.ts";

const db = await createTestDatabase();
const sql = db.sql;
const { app } = webApp(sql);
const page = async (id: string) => (await app.request(`${ORIGIN}/agents/${id}`)).text();
const owner = await makeUser(sql);

test("the agent page says an eligible agent is waiting for an opponent, and why", async () => {
  const lonely = await makeAgent(sql, owner.id, { environment: "tic-tac-toe" });
  assert.match(await page(lonely), /id="agent-waiting">Waiting for an opponent: no other agent of this environment is free to play now/);
  const far = await makeAgent(sql, owner.id, { environment: "tic-tac-toe", rating: 1900 });
  assert.match(await page(lonely), /the nearest free opponent is 400 points away, outside its rating window of ±100/);
  await sql`select place_agent(${far})`;
  assert.not.match(await page(lonely), /agent-waiting/, "in a match: not waiting");
});

test.after(() => db.drop());
test.run();
