import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../src/paths.ts";

function report(file: string): { status: number | null; stdout: string; result: unknown } {
  const dir = mkdtempSync(join(tmpdir(), "rla-reporter-test-"));
  const out = join(dir, "result.json");
  const r = spawnSync(process.execPath, ["--import", "tsx", "tests/helpers/uvu_reporter.ts", file, out], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
  const result = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : null;
  rmSync(dir, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout, result };
}

test("the reporter writes uvu's own counts, whatever the tests print", () => {
  const r = report("tests/fixtures/uvu/mixed.ts");
  assert.equal(r.result, { total: 3, passed: 2, skipped: 1, failedSuites: 1 });
  assert.is(r.status, 1, "uvu still sets the exit code of a failing file");
  assert.match(r.stdout, /FAIL\s+"fails"/, "uvu still prints its report");
});

test("a file that dies while loading leaves no result, so the runner counts it failed", () => {
  const r = report("tests/fixtures/uvu/crashes.ts");
  assert.is(r.result, null);
  assert.is.not(r.status, 0);
});

test.run();
