/**
 * Runs one uvu test file and reports its counts as data, for tests/run.ts:
 * `node --import tsx tests/helpers/uvu_reporter.ts <file> <result.json>`.
 *
 * uvu 0.5.6 has no reporter option, but its queue is public: each `test.run()` pushes a runner
 * into `globalThis.UVU_QUEUE`, and each runner resolves to `[errors, passed, skipped, total]`,
 * the numbers uvu's own `exec()` adds up and prints. With `UVU_DEFER` set (what uvu's CLI does),
 * `test.run()` only queues; we import the file, wrap each queued runner to keep its numbers, let
 * uvu's `exec()` run and print as usual, then write the sums. The runner reads that file instead
 * of parsing the printed "Total:" lines, which any test's own output could imitate.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

type RunnerResult = [errors: string | true, passed: number, skipped: number, total: number];
type Queue = Array<Array<string | null | (() => Promise<RunnerResult>)>>;

/** What tests/run.ts reads back. */
export interface FileResult { total: number; passed: number; skipped: number; failedSuites: number }

const [file, resultPath] = process.argv.slice(2);
if (!file || !resultPath) {
  console.error("usage: node --import tsx tests/helpers/uvu_reporter.ts <test file> <result.json>");
  process.exit(2);
}

// Must be set before uvu is first imported: it reads UVU_DEFER once, when it loads.
const g = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: Queue };
g.UVU_DEFER = 1;
g.UVU_QUEUE = [[null]]; // one group without a file name, as uvu makes outside its CLI
const { exec } = await import("uvu");
await import(pathToFileURL(resolve(file)).href);

const result: FileResult = { total: 0, passed: 0, skipped: 0, failedSuites: 0 };
for (const group of g.UVU_QUEUE) {
  for (let i = 0; i < group.length; i++) {
    const run = group[i];
    if (typeof run !== "function") continue; // the group's name
    group[i] = async () => {
      const r = await run();
      result.total += r[3];
      result.passed += r[1];
      result.skipped += r[2];
      if (r[0] !== true) result.failedSuites += 1;
      return r;
    };
  }
}
await exec();
writeFileSync(resultPath, JSON.stringify(result));
