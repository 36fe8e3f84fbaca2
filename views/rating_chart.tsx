import type { FC } from "hono/jsx";
import type { RatingPoint } from "./models.ts";

/**
 * The rating history as an inline SVG drawn on the server: no chart library, no script.
 * One point per rated match, x = match index (evenly spaced, so bursts stay readable), with
 * four horizontal grid lines labelled with ratings.
 */
export const RatingChart: FC<{ points: RatingPoint[]; width?: number; height?: number }> = ({ points, width = 640, height = 200 }) => {
  if (points.length < 2) return <p class="empty">The chart appears after the first rated match.</p>;
  const pad = { l: 44, r: 12, t: 10, b: 22 };
  const ratings = points.map((p) => p.rating);
  let lo = Math.min(...ratings);
  let hi = Math.max(...ratings);
  if (hi - lo < 20) {
    lo -= 10;
    hi += 10;
  }
  const span = hi - lo;
  const x = (i: number) => pad.l + (i / (points.length - 1)) * (width - pad.l - pad.r);
  const y = (r: number) => pad.t + (1 - (r - lo) / span) * (height - pad.t - pad.b);
  const line = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.rating).toFixed(1)}`).join(" ");
  const area = `${line} L${x(points.length - 1).toFixed(1)},${height - pad.b} L${pad.l},${height - pad.b} Z`;
  const ticks = [0, 1, 2, 3].map((k) => Math.round(lo + (span * k) / 3));
  const last = points[points.length - 1];
  // Both ends of one day would read the same date: label them with the time (UTC) instead.
  const sameDay = points[0].at.slice(0, 10) === last.at.slice(0, 10);
  const label = (at: string) => (sameDay ? `${at.slice(11, 16)} UTC` : at.slice(0, 10));
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Rating history: ${points.length - 1} matches, from ${points[0].rating} to ${last.rating}`}>
      <title>Rating history</title>
      {ticks.map((t) => (
        <g>
          <line class="grid-line" x1={pad.l} x2={width - pad.r} y1={y(t)} y2={y(t)} />
          <text x={pad.l - 6} y={y(t) + 4} text-anchor="end">{t}</text>
        </g>
      ))}
      <path class="area" d={area} />
      <path class="line" d={line} />
      <circle cx={x(points.length - 1)} cy={y(last.rating)} r={3.5} />
      <text x={pad.l} y={height - 6} class="x-first">{label(points[0].at)}</text>
      {sameDay && <text x={(pad.l + width - pad.r) / 2} y={height - 6} text-anchor="middle">{points[0].at.slice(0, 10)}</text>}
      <text x={width - pad.r} y={height - 6} text-anchor="end" class="x-last">{label(last.at)}</text>
    </svg>
  );
};
