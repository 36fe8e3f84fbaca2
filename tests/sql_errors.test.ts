import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SQL_ERRORS, errorNameFor, httpStatusFor, isSqlErrorCode } from "../src/db/errors.ts";
import { SQL_DIR } from "../src/paths.ts";

function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sqlFiles(join(dir, e.name)) : e.name.endsWith(".sql") ? [join(dir, e.name)] : []);
}

const raised = new Map<string, string[]>();
for (const file of sqlFiles(SQL_DIR)) {
  for (const m of readFileSync(file, "utf8").matchAll(/errcode\s*=\s*'([0-9A-Z]{5})'/gi)) {
    const code = m[1].toUpperCase();
    raised.set(code, [...(raised.get(code) ?? []), file.slice(SQL_DIR.length + 1)]);
  }
}

test("every errcode raised in sql/ is listed in src/db/errors.ts", () => {
  const missing = [...raised.keys()].filter((c) => !isSqlErrorCode(c));
  assert.equal(missing, [], `not listed: ${missing.map((c) => `${c} (${raised.get(c)!.join(", ")})`).join("; ")}`);
});

test("every code listed in src/db/errors.ts is raised somewhere in sql/", () => {
  const unused = Object.keys(SQL_ERRORS).filter((c) => !raised.has(c));
  assert.equal(unused, []);
});

test("codes are RLA plus two digits, names are unique snake_case, statuses are client or server errors", () => {
  const names = new Set<string>();
  for (const [code, e] of Object.entries(SQL_ERRORS)) {
    assert.match(code, /^RLA\d\d$/);
    assert.match(e.name, /^[a-z][a-z_]+$/);
    assert.not.ok(names.has(e.name), `duplicate name ${e.name}`);
    names.add(e.name);
    assert.ok(e.status >= 400 && e.status < 600, code);
    assert.ok(e.description.length > 10, code);
  }
});

test("httpStatusFor maps our codes and answers 500 for anything else", () => {
  assert.is(httpStatusFor("RLA41"), 429);
  assert.is(httpStatusFor("RLA30"), 404);
  assert.is(httpStatusFor("RLA43"), 413);
  assert.is(httpStatusFor("23505"), 500);
  assert.is(httpStatusFor("RLA99"), 500);
  assert.is(errorNameFor("RLA31"), "agent_name_taken");
  assert.is(errorNameFor("XX000"), null);
});

test.run();
