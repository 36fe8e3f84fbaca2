import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../src/paths.ts";
import { sourceFiles } from "./helpers/source_files.ts";

// Issue 12: each rule is written in exactly one place. These read the sources as text, as a
// reviewer's grep would, so a copy that creeps back fails here.

const sources = (dir: string, ext = /\.(ts|tsx|sql)$/) => sourceFiles(dir, ext);
const read = (path: string) => readFileSync(path, "utf8");
const rel = (path: string) => relative(PROJECT_ROOT, path);

test("the forfeit end reasons are listed only by is_forfeit in sql/matches.sql", () => {
  const files = [...sources(join(PROJECT_ROOT, "src")), ...sources(join(PROJECT_ROOT, "views")), ...sources(join(PROJECT_ROOT, "sql"))]
    .filter((f) => !f.includes(`${join("sql", "migrations")}`));
  const listing = /'timeout',\s*'crash'|'crash',\s*'invalid_action'|'invalid_action',\s*'protocol_error'|"crash",\s*"invalid_action"/;
  const holders = files.filter((f) => listing.test(read(f))).map(rel);
  assert.equal(holders, [join("sql", "matches.sql")]);
});

/** Every seeded setting of sql/settings.sql with its default value. */
function seededSettings(): Array<{ key: string; value: string }> {
  const text = read(join(PROJECT_ROOT, "sql", "settings.sql"));
  return [...text.matchAll(/^\s*\('([a-z0-9_]+)', '([0-9.]+)'/gm)].map((m) => ({ key: m[1]!, value: m[2]! }));
}

/** The spellings of a setting key in TypeScript: match_cooldown_s, matchCooldownS, MATCH_COOLDOWN_S. */
const spellings = (key: string) => [key, key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), key.toUpperCase()];

/** Numbers a line writes, literal or as a product (10 * 1024 * 1024). */
function numbersOf(line: string): number[] {
  const out: number[] = [];
  for (const m of line.matchAll(/\b\d[\d_]*(?:\.\d+)?(?:\s*\*\s*\d[\d_]*)*/g)) {
    out.push(m[0].split("*").map((x) => Number(x.trim().replaceAll("_", ""))).reduce((a, b) => a * b, 1));
  }
  return out;
}

test("no setting's seeded value is written next to its name in src/ or views/ (settings.sql is the one source)", () => {
  const seeds = seededSettings();
  assert.ok(seeds.length > 20, "the seeds are read");
  const files = [...sources(join(PROJECT_ROOT, "src"), /\.tsx?$/), ...sources(join(PROJECT_ROOT, "views"), /\.tsx?$/)];
  const found: string[] = [];
  for (const file of files) {
    read(file).split("\n").forEach((line, i) => {
      for (const { key, value } of seeds) {
        if (!spellings(key).some((k) => new RegExp(`\\b${k}\\b(?!\\()`).test(line))) continue; // cpus() is Node's, not the setting
        if (numbersOf(line).includes(Number(value))) found.push(`${rel(file)}:${i + 1} ${key}=${value}: ${line.trim()}`);
      }
    });
  }
  assert.equal(found, []);
});

test("the upload limit's number (10 MB) is written nowhere in src/ or views/: it is the archive_max_bytes setting", () => {
  const [{ value }] = seededSettings().filter((s) => s.key === "archive_max_bytes");
  const mb = Number(value) / 1024 / 1024;
  const files = [...sources(join(PROJECT_ROOT, "src"), /\.tsx?$/), ...sources(join(PROJECT_ROOT, "views"), /\.tsx?$/)];
  const found = files.flatMap((file) => read(file).split("\n").map((line, i) => ({ line, at: `${rel(file)}:${i + 1}` }))
    .filter(({ line }) => numbersOf(line).includes(Number(value)) || new RegExp(`\\b${mb} ?MB\\b`).test(line))
    .map(({ line, at }) => `${at}: ${line.trim()}`));
  assert.equal(found, []);
});

test("src/web/queries.ts reads only SQL functions and views, never a table", () => {
  const migrations = sources(join(PROJECT_ROOT, "sql", "migrations"), /\.sql$/).map(read).join("\n");
  const tables = new Set([...migrations.matchAll(/create table (?:if not exists )?(\w+)/gi)].map((m) => m[1]!.toLowerCase()));
  assert.ok(tables.has("agents") && tables.has("matches"), "the tables are read from the migrations");
  const text = read(join(PROJECT_ROOT, "src", "web", "queries.ts"));
  const reads = [...text.matchAll(/\b(?:from|join)\s+(?:lateral\s+)?(\w+)/gi)].map((m) => m[1]!.toLowerCase());
  assert.ok(reads.includes("leaderboard") && reads.includes("match_summaries"), reads.join(", "));
  assert.equal(reads.filter((r) => tables.has(r)), []);
});

test("one decoy password hash serves every login (src/web/actions/sessions.ts)", () => {
  const holders = sources(join(PROJECT_ROOT, "src")).filter((f) => /hashPassword\(\s*["']decoy/.test(read(f))).map(rel);
  assert.equal(holders, [join("src", "web", "actions", "sessions.ts")]);
});

test.run();
