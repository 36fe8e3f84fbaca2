import { gunzipSync } from "node:zlib";
import type { Sql } from "postgres";
import { loadReplay } from "rl-arena-env";
import type { MatchItem } from "../../../views/models.ts";

/**
 * The score of a finished match as its game counts it, for the match header: the points of the
 * last frame when the game keeps points (pong's `scores` in its render state: "11 : 4"), else
 * the result as board games write it ("1 : 0", "0 : 1", "½ : ½"). The reward sums stored with
 * the match ("9 : -9", "-1 : 1") are what the referee ranks by, not what people call the score.
 * Null while the match is not completed.
 */
export async function gameScore(sql: Sql, match: MatchItem): Promise<[string, string] | null> {
  if (match.status !== "completed") return null;
  const points = await lastFramePoints(sql, match.id);
  if (points) return [String(points[0]), String(points[1])];
  if (match.winnerSeat === null) return ["½", "½"];
  return match.winnerSeat === 0 ? ["1", "0"] : ["0", "1"];
}

/**
 * `render.scores` of the replay's last frame when it is two numbers. Stored replays are mostly
 * compact (seed and actions), so this re-simulates the match: a few ms for a 1000-step pong.
 */
async function lastFramePoints(sql: Sql, matchId: string): Promise<[number, number] | null> {
  if (known.has(matchId)) return known.get(matchId)!;
  const [row] = await sql`select data from match_replay(${matchId})`;
  if (!row?.data) return null; // not kept: the replay may still be on its way
  let points: [number, number] | null = null;
  try {
    const replay = loadReplay(JSON.parse(gunzipSync(row.data as Buffer).toString("utf8")));
    const scores = (replay.steps.at(-1)?.render as { scores?: unknown } | undefined)?.scores;
    if (Array.isArray(scores) && scores.length === 2 && scores.every((s) => typeof s === "number")) points = [scores[0], scores[1]];
  } catch {
    // A replay we cannot read leaves the result-based score; the replay route reports the damage.
  }
  if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value!);
  known.set(matchId, points);
  return points;
}

/**
 * Points already read, by match id. A completed match's replay never changes (a re-run is a new
 * match), and the match page is open to anyone without a rate limit: re-simulating the replay
 * on every view (~16 ms of CPU for a 1000-step pong) let one visitor keep a core busy by
 * reloading it. Oldest first out beyond KNOWN_MAX.
 */
const known = new Map<string, [number, number] | null>();
const KNOWN_MAX = 10_000;
