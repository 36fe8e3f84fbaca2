import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentWorkDir } from "../src/executor/local/agent_work_dir.ts";
import { SHARED_ROOT } from "../src/db/embedded_placement.ts";
import { initSandbox } from "../src/executor/local/sandbox.ts";
import { createLogger } from "../src/log.ts";

const log = createLogger({ level: "error" });
const status = await initSandbox("auto", log);
const separateUids = status.mode === "bwrap" && status.separateUids;

test("a DATA_DIR whose parents let others through is where the agents' runtime and code stay", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rla-workdir-")); // 0700 itself: sandbox_reach.ts opens it
  try {
    assert.is(agentWorkDir(dataDir, log), dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

if (separateUids) {
  test("as root with per-agent uids, a DATA_DIR under a private folder moves them to a searchable folder under /var/lib/rl-arena, the private folder untouched", () => {
    const privateParent = mkdtempSync(join(tmpdir(), "rla-workdir-private-")); // 0700, like /root
    const dataDir = join(privateParent, ".data");
    mkdirSync(dataDir);
    let dir = "";
    try {
      dir = agentWorkDir(dataDir, log);
      assert.ok(dir.startsWith(`${SHARED_ROOT}/work-`), dir);
      assert.is(statSync(dir).mode & 0o001, 0o001, "others may pass through it");
      assert.is(statSync(SHARED_ROOT).mode & 0o001, 0o001);
      assert.is(statSync(privateParent).mode & 0o777, 0o700);
      assert.is(agentWorkDir(dataDir, log), dir, "the same DATA_DIR gets the same folder on every boot");
    } finally {
      if (dir.startsWith(`${SHARED_ROOT}/work-`)) rmSync(dir, { recursive: true, force: true });
      rmSync(privateParent, { recursive: true, force: true });
    }
  });
}

test.run();
