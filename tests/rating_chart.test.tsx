/** The rating chart's x-axis: its two end labels must tell the ends apart. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RatingChart } from "../views/rating_chart.tsx";

const render = async (points: Array<{ at: string; rating: number }>) =>
  String(await (<RatingChart points={points} /> as unknown as { toString(): Promise<string> }).toString());
const ends = (svg: string) => [/class="x-first"[^>]*>([^<]*)</.exec(svg)?.[1], /class="x-last"[^>]*>([^<]*)</.exec(svg)?.[1]];

test("matches of one day are labelled with their times, and the day once", async () => {
  const svg = await render([{ at: "2026-03-01T09:05:00.000Z", rating: 1200 }, { at: "2026-03-01T17:40:00.000Z", rating: 1216 }]);
  assert.equal(ends(svg), ["09:05 UTC", "17:40 UTC"]);
  assert.match(svg, />2026-03-01</);
});

test("matches over several days are labelled with their dates", async () => {
  const svg = await render([{ at: "2026-03-01T09:05:00.000Z", rating: 1200 }, { at: "2026-03-04T17:40:00.000Z", rating: 1216 }]);
  assert.equal(ends(svg), ["2026-03-01", "2026-03-04"]);
});

test.run();
