/** Text output of the CLI: aligned tables, the match summary and the progress bar. */
import type { MatchResult } from "./referee_types.ts";

/** Numeric columns right-aligned, others left-aligned; `rows[0]` is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const numeric = rows[0]!.map((_, c) => rows.length > 1 && rows.slice(1).every((r) => /^-?[\d.]+$|^-$/.test(r[c] ?? "")));
  const line = (r: string[]) => r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd();
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n") + "\n";
}

/** Per-agent totals over several games (seats may alternate). */
export interface AgentTally {
  name: string;
  wins: number;
  draws: number;
  losses: number;
  faults: number;
  steps: number;
  stepMsTotal: number;
  maxStepMs: number;
}

/** Adds one game to the tallies; `seatOf[p]` is the tally index of the agent in seat p. */
export function tallyGame(tallies: AgentTally[], result: MatchResult, seatOf: number[]): void {
  const { outcome, stats } = result;
  seatOf.forEach((agent, seat) => {
    const t = tallies[agent]!;
    if (outcome.winner === null) t.draws++;
    else if (outcome.winner === seat) t.wins++;
    else t.losses++;
    if (outcome.faulted_players?.includes(seat)) t.faults++;
    const s = stats.players[seat]!;
    t.steps += s.answers;
    t.stepMsTotal += s.mean_ms * s.answers;
    t.maxStepMs = Math.max(t.maxStepMs, s.max_ms);
  });
}

/** The summary table printed after `match`. */
export function summary(tallies: AgentTally[], endReasons: Map<string, number>, games: number, wallMs: number): string {
  const rows = [["agent", "wins", "draws", "losses", "faults", "avg step ms", "max step ms"]];
  for (const t of tallies) {
    rows.push([t.name, String(t.wins), String(t.draws), String(t.losses), String(t.faults), t.steps ? (t.stepMsTotal / t.steps).toFixed(3) : "-", t.maxStepMs.toFixed(1)]);
  }
  const reasons = [...endReasons].map(([r, n]) => `${r} ${n}`).join(", ");
  return `${table(rows)}${games} game${games === 1 ? "" : "s"} in ${(wallMs / 1000).toFixed(2)} s; end reasons: ${reasons}\n`;
}

/** A one-line progress bar on stderr, redrawn at most every 100 ms. */
export class ProgressBar {
  private last = 0;
  constructor(private readonly stream: NodeJS.WriteStream, private readonly width = 30) {}

  update(game: number, games: number, step: number, maxSteps: number | null, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const fraction = maxSteps ? Math.min(1, step / maxSteps) : 0;
    const overall = games > 0 ? (game - 1 + fraction) / games : 0;
    const filled = Math.round(overall * this.width);
    const bar = "#".repeat(filled) + "-".repeat(this.width - filled);
    this.stream.write(`\r[${bar}] game ${game}/${games} step ${step}${maxSteps ? `/${maxSteps}` : ""} `);
  }

  done(): void {
    this.stream.write("\r" + " ".repeat(this.width + 40) + "\r");
  }
}
