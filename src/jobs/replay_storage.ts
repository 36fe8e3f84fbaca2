/**
 * What the replays table keeps for a finished match: the compact replay (environment, seed,
 * actions) when re-simulating it reproduces the referee's replay exactly, else the frames
 * (rl-arena-env's storableReplay is the guard). A 1000-step pong match drops from ~36 KB of
 * gzip to under 1 KB (bench/replay_size.ts). Frames are rebuilt on demand for downloads.
 *
 * The referee's step timeline (`timing`: answer times, bank, stderr line counts) is taken out
 * of the replay here: replays are public, the timeline goes beside the owners' logs.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { storableReplay, type Replay, type ReplayTiming } from "rl-arena-env";

/** The gzip to store and the timeline to keep apart, from the executor's gzip of the referee's replay. */
export function storedReplay(replayGzip: Uint8Array): { gzip: Uint8Array; timing: ReplayTiming | null } {
  let replay: Replay;
  try {
    replay = JSON.parse(gunzipSync(replayGzip).toString("utf8"));
  } catch {
    return { gzip: replayGzip, timing: null }; // not ours to judge here: stored as the executor made it
  }
  const { timing, ...rest } = replay;
  const stored = storableReplay(rest);
  return { gzip: stored === rest && !timing ? replayGzip : gzipSync(JSON.stringify(stored)), timing: timing ?? null };
}

/** The gzip to store (see storedReplay). */
export function storedReplayGzip(replayGzip: Uint8Array): Uint8Array {
  return storedReplay(replayGzip).gzip;
}
