/**
 * What the replays table keeps for a finished match: the compact replay (environment, seed,
 * actions) when re-simulating it reproduces the referee's replay exactly, else the frames
 * (rl-arena-env's storableReplay is the guard). A 1000-step pong match drops from ~36 KB of
 * gzip to under 1 KB (bench/replay_size.ts). Frames are rebuilt on demand for downloads.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { storableReplay, type Replay } from "rl-arena-env";

/** The gzip to store, from the executor's gzip of the referee's replay. */
export function storedReplayGzip(replayGzip: Uint8Array): Uint8Array {
  let replay: Replay;
  try {
    replay = JSON.parse(gunzipSync(replayGzip).toString("utf8"));
  } catch {
    return replayGzip; // not ours to judge here: stored as the executor made it
  }
  const stored = storableReplay(replay);
  return stored === replay ? replayGzip : gzipSync(JSON.stringify(stored));
}
