import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../src/paths.ts";

// The ranking-quality benchmark (bench/sql_ranking_quality.ts) keeps running as the schema
// moves: a small run through the real SQL on the test server, with seat-swapped pairs on.
test("bench/sql_ranking_quality.ts runs on 12 agents and the skill orders them better than chance", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/sql_ranking_quality.ts", "12", "1", "400"], {
    cwd: PROJECT_ROOT, encoding: "utf8", timeout: 240_000,
    env: { ...process.env, BENCH_DATABASE_URL: process.env.RLA_TEST_ADMIN_URL, BENCH_SEAT_SWAP: "1" },
  });
  assert.is(r.status, 0, r.stderr + r.stdout);
  const last = /\| 100 \| ([\d.-]+) \([^)]*\) \| \*\*([\d.-]+) /.exec(r.stdout);
  assert.ok(last, r.stdout);
  assert.ok(Number(last![2]) > 0.3, `τ skill at 100 games: ${last![2]}\n${r.stdout}`);
});

test.run();
