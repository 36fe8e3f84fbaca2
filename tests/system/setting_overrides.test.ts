/**
 * Environment overrides of rules (MATCH_COOLDOWN_S, DAILY_MATCH_LIMIT…) hold for the process
 * given them only (issue 12): the built platform started with them shows them on its admin page
 * as overridden by the environment and stores nothing; a second platform on the same database
 * started without them uses the stored values.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { makeAdmin, registerUser, relaxRateLimits } from "../helpers/http_user.ts";

const JWT_SECRET = "o".repeat(48); // shared, so the admin's cookie opens both platforms' pages
let first: BuiltPlatform;
let second: BuiltPlatform | undefined;

test.before(async () => {
  first = await startBuiltPlatform({ env: { JWT_SECRET, MATCH_COOLDOWN_S: "7", DAILY_MATCH_LIMIT: "3" } });
  await relaxRateLimits(first.sql!);
});

test.after(async () => {
  await second?.stop();
  await first?.stop();
});

/** The admin page's settings row of `key`, as `admin` sees it on `url`. */
async function settingRow(url: string, cookie: string, key: string): Promise<string> {
  const page = await (await fetch(`${url}/admin`, { headers: { cookie } })).text();
  const start = page.indexOf(`id="setting-${key}"`);
  assert.ok(start > 0, `the admin page lists ${key}`);
  return page.slice(start, page.indexOf("</tr>", start));
}

test("a platform started with MATCH_COOLDOWN_S stores nothing and says on its admin page that the environment overrides it", async () => {
  const [row] = await first.sql!`select value #>> '{}' as value from settings where key = 'match_cooldown_s'`;
  assert.is.not(row.value, "7", "the override is not written to the settings table");
  const [limit] = await first.sql!`select value #>> '{}' as value from settings where key = 'daily_match_limit'`;
  assert.is.not(limit.value, "3");
  const admin = await registerUser(first.url, "override_admin");
  await makeAdmin(first.sql!, admin.username);
  assert.match(await settingRow(first.url, admin.cookie, "match_cooldown_s"), "Overridden by the environment: 7 in this process");
  assert.match(await settingRow(first.url, admin.cookie, "daily_match_limit"), "Overridden by the environment: 3 in this process");
  assert.not.match(await settingRow(first.url, admin.cookie, "k_factor"), "Overridden");

  // The same database, a process without the variables: the stored values, no note.
  second = await startBuiltPlatform({ database: { url: first.databaseUrl! }, env: { JWT_SECRET, MATCH_COOLDOWN_S: "", DAILY_MATCH_LIMIT: "" } });
  const cooldown = await settingRow(second.url, admin.cookie, "match_cooldown_s");
  assert.not.match(cooldown, "Overridden");
  assert.match(cooldown, `value="${row.value}"`);
});

test.run();
