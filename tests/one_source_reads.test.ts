import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../src/paths.ts";
import { sourceFiles } from "./helpers/source_files.ts";

// Issue 12: SQL functions and views are the only read layer; src/web keeps row → view-model
// mappers and joins no tables itself. This reads the sources as text through a small lexer, so
// only the text of template literals counts: `sql\`…\`` queries, not `.join(", ")` calls or comments.

/**
 * Joins that have no SQL function to move into, each with its reason and how many there are.
 * Keep it short: a join that a read function or view can answer belongs in sql/ (sql/README.md,
 * "Adding a function").
 */
const ALLOWED: Array<{ file: string; join: string; count: number; why: string }> = [];

const sources = (dir: string) => sourceFiles(dir);

/** A `/` after an operator, an opening bracket or a keyword starts a regular expression, not a division. */
const startsRegExp = (before: string) => /(^|[(,=:[!&|?{};+\-*%<>~^]|\b(?:return|typeof|case|in|of|await|yield))\s*$/.test(before);

/**
 * The text pieces of every template literal in a TypeScript source, with the line each starts
 * on: a small lexer that skips comments, quoted strings and regular expressions and follows
 * `${…}` into nested templates (TypeScript 7's package has no parser API to ask instead).
 */
function templatePieces(text: string): Array<{ line: number; text: string }> {
  const pieces: Array<{ line: number; text: string }> = [];
  const stack: Array<{ kind: "code"; depth: number } | { kind: "template" }> = [{ kind: "code", depth: 0 }];
  let line = 1;
  let piece: { line: number; text: string } | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const top = stack[stack.length - 1]!;
    if (top.kind === "template") {
      if (ch === "\\") { piece!.text += ch + (text[i + 1] ?? ""); if (text[i + 1] === "\n") line++; i++; continue; }
      if (ch === "`") { pieces.push(piece!); piece = null; stack.pop(); continue; }
      if (ch === "$" && text[i + 1] === "{") { pieces.push(piece!); piece = null; stack.push({ kind: "code", depth: 0 }); i++; continue; }
      if (ch === "\n") line++;
      piece!.text += ch;
      continue;
    }
    if (ch === "\n") { line++; continue; }
    if (/\s/.test(ch)) continue;
    if (ch === "/" && text[i + 1] === "/") { while (i < text.length && text[i] !== "\n") i++; line++; continue; }
    if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      line += (text.slice(i, end).match(/\n/g) ?? []).length;
      i = end + 1;
      continue;
    }
    if (ch === "'" || ch === '"') {
      // A quote ends at its pair or at the line's end (an apostrophe in JSX text is no string).
      for (i++; i < text.length && text[i] !== ch && text[i] !== "\n"; i++) if (text[i] === "\\") i++;
      if (text[i] === "\n") line++;
      continue;
    }
    if (ch === "/" && startsRegExp(text.slice(Math.max(0, i - 40), i))) {
      let inClass = false;
      for (i++; i < text.length && (inClass || text[i] !== "/") && text[i] !== "\n"; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === "[") inClass = true;
        else if (text[i] === "]") inClass = false;
      }
      if (text[i] === "\n") line++;
      continue;
    }
    if (ch === "`") { stack.push({ kind: "template" }); piece = { line, text: "" }; continue; }
    if (ch === "{") top.depth++;
    if (ch === "}") {
      if (top.depth === 0 && stack.length > 1) { stack.pop(); piece = { line, text: "" }; continue; } // back into the template
      top.depth--;
    }
  }
  return pieces;
}

/** Every SQL `join` in a template literal of one source: the line and the join's words. */
function templateJoins(text: string): Array<{ line: number; join: string }> {
  return templatePieces(text).flatMap((p) =>
    [...p.text.matchAll(/\b(?:(?:left|right|full|inner|cross|natural)\s+(?:outer\s+)?)?join\b(?:\s+lateral)?\s*[\w.]*\(?/gi)].map((m) => ({
      line: p.line + (p.text.slice(0, m.index).match(/\n/g) ?? []).length,
      join: m[0].replace(/\s+/g, " "),
    })));
}

test("the scanner finds a join in a query, in a nested query and across lines, and nothing in code or comments", () => {
  const text = [
    "const a = sql`select * from agents a join users u on u.id = a.owner_id`;",
    "const b = sql`select * from (${sql`select 1 from matches m",
    "  left join replays r on r.match_id = m.id`}) x where ${id}`;",
    "const c = [1, 2].join(', '); // a join in a comment",
    "const d = `agents ${names.join(', ')} joined the arena`;",
  ].join("\n");
  assert.equal(templateJoins(text), [{ line: 1, join: "join users" }, { line: 3, join: "left join replays" }]);
});

test("no SQL join in a template literal under src/web: reads go through SQL functions and views", () => {
  const web = join(PROJECT_ROOT, "src", "web");
  const joins = sources(web).flatMap((file) => {
    const rel = relative(PROJECT_ROOT, file);
    return templateJoins(readFileSync(file, "utf8")).map((j) => ({ file: rel, ...j }));
  });
  const unexplained = joins.filter((j) => !ALLOWED.some((a) => a.file === j.file && j.join.toLowerCase().startsWith(a.join)));
  assert.equal(unexplained.map((j) => `${j.file}:${j.line} ${j.join}`), [], "move these reads into a SQL function or view in sql/");
  // An allowance no join uses any more (or a new join of the same kind) fails too, so the list stays exact.
  for (const a of ALLOWED) {
    const used = joins.filter((j) => j.file === a.file && j.join.toLowerCase().startsWith(a.join)).length;
    assert.is(used, a.count, `${a.file}: ${a.count} × "${a.join}" allowed (${a.why}), ${used} found`);
  }
});

/** The tables our migrations create, and pg-boss's schema: what src/web must reach only through functions and views. */
function tables(): string[] {
  const dir = join(PROJECT_ROOT, "sql", "migrations");
  const names = sourceFiles(dir, /\.sql$/).flatMap((f) => [...readFileSync(f, "utf8").matchAll(/create table (?:if not exists )?([a-z_.]+)/gi)].map((m) => m[1]!.toLowerCase()));
  return [...new Set(names)];
}

/** Each place a template literal reads or writes one of `names` (from, join, into, update, delete from). */
function tableUses(text: string, names: string[]): Array<{ line: number; use: string }> {
  const table = new RegExp(`\\b(?:from|join|into|update)\\s+((?:${names.join("|")})\\b|pgboss\\.\\w+)`, "gi");
  return templatePieces(text).flatMap((p) => [...p.text.matchAll(table)].map((m) => ({
    line: p.line + (p.text.slice(0, m.index).match(/\n/g) ?? []).length,
    use: m[0].replace(/\s+/g, " "),
  })));
}

test("the table finder sees reads and writes of a table in a query, and not a view or a function of the same stem", () => {
  const names = ["agents", "users"];
  const text = [
    "const a = sql`select 1 from agents where id = ${id}`;",
    "const b = sql`select * from agent_summaries where id = ${id}`;",
    "const c = sql`select * from user_agents(${id}, null)`;",
    "const d = sql`update users set role = 'admin'`;",
    "const e = sql`select count(*) from pgboss.job`;",
  ].join("\n");
  assert.equal(tableUses(text, names), [{ line: 1, use: "from agents" }, { line: 4, use: "update users" }, { line: 5, use: "from pgboss.job" }]);
  assert.ok(tables().includes("agents") && tables().includes("revoked_sessions"), tables().join(", "));
});

test("src/web reads and writes no table itself: every query goes through a SQL function or view", () => {
  const names = tables();
  const uses = sources(join(PROJECT_ROOT, "src", "web")).flatMap((file) =>
    tableUses(readFileSync(file, "utf8"), names).map((u) => `${relative(PROJECT_ROOT, file)}:${u.line} ${u.use}`));
  assert.equal(uses, [], "read through a function or view of sql/ (sql/README.md), change through a function");
});

test.run();
