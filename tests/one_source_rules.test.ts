import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../src/paths.ts";

// Issue 12: each rule is written in exactly one place. These read the sources as text, as a
// reviewer's grep would, so a copy that creeps back fails here.

function sources(dir: string, ext = /\.(ts|tsx|sql)$/): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path, ext));
    else if (ext.test(name)) out.push(path);
  }
  return out;
}
const read = (path: string) => readFileSync(path, "utf8");
const rel = (path: string) => relative(PROJECT_ROOT, path);

test("the forfeit end reasons are listed only by is_forfeit in sql/matches.sql", () => {
  const files = [...sources(join(PROJECT_ROOT, "src")), ...sources(join(PROJECT_ROOT, "views")), ...sources(join(PROJECT_ROOT, "sql"))]
    .filter((f) => !f.includes(`${join("sql", "migrations")}`));
  const listing = /'timeout',\s*'crash'|'crash',\s*'invalid_action'|'invalid_action',\s*'protocol_error'|"crash",\s*"invalid_action"/;
  const holders = files.filter((f) => listing.test(read(f))).map(rel);
  assert.equal(holders, [join("sql", "matches.sql")]);
});

test.run();
