/**
 * The HTML replay download from the built platform (`node dist/main.js`, the Dockerfile's
 * command). The bundle once looked for the player's sources next to dist/main.js: every download
 * was a 500 and left an esbuild process behind. The demo's built-in agents supply the matches.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { startBuiltPlatform, type BuiltPlatform } from "../helpers/built_platform.ts";
import { processesMatching, waitFor } from "../helpers/processes.ts";

let platform: BuiltPlatform;
let matchId = "";

/** Live processes whose command line names esbuild, in the platform's process group (it runs detached). */
function esbuildProcessesOf(group: number): number[] {
  return processesMatching("esbuild").filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === group; // state ppid pgrp
    } catch {
      return false; // ended while we looked
    }
  });
}

test.before(async () => {
  platform = await startBuiltPlatform({ env: { DEMO: "true", MATCHMAKING_INTERVAL_S: "1", MATCH_COOLDOWN_S: "0" } });
  await waitFor(async () => {
    const body = await (await fetch(`${platform.url}/api/v1/matches`)).json() as { matches?: { id: string; status: string }[] };
    matchId = body.matches?.find((m) => m.status === "completed")?.id ?? "";
    return matchId !== "";
  }, 90_000, () => `a completed demo match; platform output:\n${platform.output().slice(-3000)}`);
});

test.after(async () => {
  await platform?.stop();
});

test("the HTML replay of a finished match downloads as one self-contained player holding the replay", async () => {
  const res = await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=html`);
  const html = await res.text();
  assert.is(res.status, 200, html.slice(0, 500));
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(res.headers.get("content-disposition") ?? "", new RegExp(`filename="replay_${matchId}\\.html"`));
  assert.match(html, /^<!doctype html>/i);
  // Nothing is fetched when the file is opened: no script, stylesheet or image from elsewhere.
  assert.not.match(html, /<script[^>]*\bsrc\s*=/i);
  assert.not.match(html, /<link\b/i);
  assert.not.match(html, /\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  assert.match(html, /RlArenaPlayer\.mountReplayPlayer\(/, "the player bundle is inlined");
  assert.match(html, /var RlArenaPlayer=/, "the player bundle is inlined");
  // The embedded replay is the match's replay, the same one the JSON download gives.
  const embedded = /<script type="application\/json" id="replay-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(embedded, "the replay data is embedded");
  const json = await (await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=json`)).json();
  assert.equal(JSON.parse(embedded![1]!), json);
});

test("the platform keeps no esbuild process: none for downloads or the player script, none left by the agent runtime's build", async () => {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${platform.url}/api/v1/matches/${matchId}/replay?format=html`);
    assert.is(res.status, 200);
    await res.arrayBuffer();
  }
  const player = await fetch(`${platform.url}/static/vendor/replay-player.js`);
  assert.is(player.status, 200);
  assert.match(await player.text(), /RlArenaPlayer/);
  assert.equal(esbuildProcessesOf(platform.pid), [], "esbuild processes in the platform's process group");
});

test.run();
