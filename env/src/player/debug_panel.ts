/**
 * The player's debug panel (issue 14), for an agent's owner: per seat, the stderr lines the
 * agent wrote for the shown step, a small chart of its answer times against the step limit
 * with its time bank, and the match's faults with a button that jumps to them. It reads the
 * referee's timeline (ReplayTiming, kept apart from the public replay) and the seat's log.
 */
import type { Replay, SeatTiming } from "../replay.ts";

/** One seat's log and timeline as the platform serves them to the seat's owner. */
export interface DebugSeat {
  seat: number;
  /** Shown as the seat's title; default the replay's player name. */
  name?: string;
  /** The seat's stderr as stored (the referee's notes at its end). */
  log: string;
  /** The referee's timeline of this seat with the match's limits; null for matches from before it. */
  timing: (SeatTiming & { step_timeout_ms: number; time_bank_ms: number }) | null;
}

export interface DebugInfo {
  seats: DebugSeat[];
}

export const DEBUG_CSS = `
.rla-player .rla-debug{margin-top:10px;border-top:1px solid #222;padding-top:8px;font-size:13px}
.rla-player .rla-faults{display:flex;flex-direction:column;gap:4px;margin-bottom:8px}
.rla-player .rla-fault{color:#ffb4c8;overflow-wrap:anywhere}
.rla-player .rla-seat-title{margin:8px 0 4px;font-size:14px;font-weight:600;color:#00ff88}
.rla-player .rla-chart{display:block;width:100%;max-width:800px;height:80px;background:#111827;border-radius:4px;cursor:pointer}
.rla-player .rla-timing{margin:4px 0;color:#d1d5db;font-variant-numeric:tabular-nums}
.rla-player .rla-log{margin:0;max-height:12em;overflow:auto;background:#111;border:1px solid #222;border-radius:4px;padding:6px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;color:#e5e7eb}
.rla-player .rla-log.rla-empty{color:#9ca3af;font-style:italic}
`;

const CHART_W = 800;
const CHART_H = 80;

export interface DebugPanel {
  element: HTMLElement;
  /** Shows frame `frame` (its step's lines and times, the chart's cursor). */
  update(frame: number): void;
}

/** Builds the panel; `seek` moves the player (a click on a chart or a fault's jump button). */
export function createDebugPanel(doc: Document, replay: Replay, names: string[], debug: DebugInfo, seek: (frame: number) => void): DebugPanel {
  const last = replay.steps.length - 1;
  const root = doc.createElement("div");
  root.className = "rla-debug";
  root.setAttribute("aria-label", "Logs and timing");

  const result = replay.result;
  if (result.end_reason !== "completed" && result.end_reason !== "failed") {
    const faults = doc.createElement("div");
    faults.className = "rla-faults";
    const who = result.faulted_players ?? (result.faulted_player !== undefined ? [result.faulted_player] : []);
    const line = doc.createElement("div");
    line.className = "rla-fault";
    line.dataset.step = String(result.total_steps);
    const text = doc.createElement("span");
    text.textContent = `⚠ ${result.end_reason.replace(/_/g, " ")} at step ${result.total_steps}${who.length ? ` by ${who.map((p) => names[p] ?? `player ${p}`).join(" and ")}` : ""}${result.fault_detail ? `: ${result.fault_detail}` : ""} `;
    const jump = doc.createElement("button");
    jump.type = "button";
    jump.textContent = `Jump to the fault (frame ${last})`;
    jump.dataset.role = "jump-fault";
    jump.addEventListener("click", () => seek(last));
    line.append(text, jump);
    faults.append(line);
    root.append(faults);
  }

  const faulted = new Set(result.end_reason === "completed" || result.end_reason === "failed" ? [] : (result.faulted_players ?? (result.faulted_player !== undefined ? [result.faulted_player] : [])));
  const seats = debug.seats.map((seat) => seatView(doc, seat, names[seat.seat] ?? `player ${seat.seat}`, last, seek, faulted.has(seat.seat) ? result : null));
  root.append(...seats.map((s) => s.element));
  return {
    element: root,
    update(frame) {
      for (const s of seats) s.update(frame);
    },
  };
}

/** `fault`: the match's result when this seat faulted; its chart then marks the faulting request. */
function seatView(doc: Document, seat: DebugSeat, fallbackName: string, last: number, seek: (frame: number) => void, fault: Replay["result"] | null): DebugPanel {
  const section = doc.createElement("section");
  section.className = "rla-seat";
  section.dataset.seat = String(seat.seat);
  const title = doc.createElement("div"); // not a heading: the player sits under h1, h2 or h3 depending on the page
  title.className = "rla-seat-title";
  title.textContent = `${seat.name ?? fallbackName} (seat ${seat.seat}): log and timing`;
  const lines = seat.log.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const timing = validTiming(seat.timing);
  const chart = doc.createElement("canvas");
  chart.className = "rla-chart";
  chart.width = CHART_W;
  chart.height = CHART_H;
  chart.setAttribute("role", "img");
  const times = doc.createElement("div");
  times.className = "rla-timing";
  const log = doc.createElement("pre");
  log.className = "rla-log";
  log.tabIndex = 0; // it scrolls: keyboard users must reach it
  log.setAttribute("aria-label", `stderr of ${seat.name ?? fallbackName} at the shown step`);
  section.append(title);
  if (timing) {
    const marker = fault ? `; marked in red: its ${fault.end_reason.replace(/_/g, " ")} at step ${last}` : "";
    chart.setAttribute("aria-label", `Answer time per step against the ${timing.step_timeout_ms} ms step limit, and the time bank left${marker}`);
    if (fault) chart.dataset.faultStep = String(last);
    chart.addEventListener("click", (event) => {
      const box = chart.getBoundingClientRect();
      const request = Math.floor(((event.clientX - box.left) / Math.max(1, box.width)) * timing.ms.length);
      seek(Math.min(last, request + 1));
    });
    section.append(chart);
  }
  section.append(times, log);

  /** Log lines [from, to) of the frame: frame 0 = start-up, frame f = request f - 1, the last frame = everything after. */
  function linesOf(frame: number): string[] {
    if (!timing) return frame === last ? lines : [];
    const end = (r: number) => (r < 0 ? timing.init_lines : timing.lines[Math.min(r, timing.lines.length - 1)] ?? timing.init_lines);
    const from = frame === 0 ? 0 : end(frame - 2);
    const to = frame === last ? lines.length : end(frame - 1);
    return lines.slice(from, to);
  }

  function describe(frame: number): string {
    if (!timing) return "No timing was recorded for this match.";
    if (frame === 0) return timing.init_ms === null ? "never answered init" : `started and answered init in ${fmtMs(timing.init_ms)}`;
    const r = frame - 1;
    const ms = timing.ms[r];
    const bank = timing.bank_ms[r];
    const answered = ms === null || ms === undefined ? "not asked at this step (waiting its turn)" : `answered in ${fmtMs(ms)} (limit ${fmtMs(timing.step_timeout_ms)})`;
    // Steps as the protocol, the agent's log and the fault details number them: step r led to frame r + 1.
    let text = `step ${r} → frame ${frame}: ${answered}${bank !== undefined ? ` · bank ${fmtS(bank)} of ${fmtS(timing.time_bank_ms)} left` : ""}`;
    // A request whose answer never became a frame: the one that faulted.
    if (frame === last && timing.ms.length > last && timing.ms[last] !== null) text += ` · then step ${last} took ${fmtMs(timing.ms[last]!)} and faulted`;
    return text;
  }

  function draw(frame: number): void {
    const ctx = chart.getContext("2d");
    if (!ctx || !timing) return;
    const n = Math.max(1, timing.ms.length);
    const limit = timing.step_timeout_ms;
    const top = Math.max(limit * 1.5, ...timing.ms.map((v) => v ?? 0));
    const y = (ms: number) => CHART_H - 4 - (Math.min(ms, top) / top) * (CHART_H - 8);
    const w = CHART_W / n;
    ctx.fillStyle = "#111827";
    ctx.fillRect(0, 0, CHART_W, CHART_H);
    timing.ms.forEach((ms, r) => {
      if (ms === null) return;
      ctx.fillStyle = ms > limit ? "#ff0066" : "#00ff88";
      ctx.fillRect(r * w, y(ms), Math.max(1, w - (w > 3 ? 1 : 0)), CHART_H - 4 - y(ms));
    });
    ctx.strokeStyle = "#f59e0b"; // the step limit
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(0, y(limit));
    ctx.lineTo(CHART_W, y(limit));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.strokeStyle = "#60a5fa"; // the bank, on its own scale: full height = the whole bank
    ctx.beginPath();
    timing.bank_ms.forEach((bank, r) => {
      const by = CHART_H - 4 - (bank / Math.max(1, timing.time_bank_ms)) * (CHART_H - 8);
      if (r === 0) ctx.moveTo(0, by);
      ctx.lineTo((r + 1) * w, by);
    });
    ctx.stroke();
    if (fault) {
      // The faulting request (step `last`, which never became a frame of its own): a red band
      // over the whole height and a triangle on top, so the fault stands out at any width.
      const x = Math.min(last, n - 1) * w;
      ctx.fillStyle = "rgba(239, 68, 68, 0.35)";
      ctx.fillRect(x, 0, Math.max(3, w), CHART_H);
      ctx.fillStyle = "#ef4444";
      ctx.beginPath();
      ctx.moveTo(x + Math.max(3, w) / 2 - 6, 0);
      ctx.lineTo(x + Math.max(3, w) / 2 + 6, 0);
      ctx.lineTo(x + Math.max(3, w) / 2, 9);
      ctx.closePath();
      ctx.fill();
    }
    ctx.fillStyle = "#ffffff"; // the shown step
    ctx.fillRect(Math.max(0, frame - 1) * w + w / 2 - 1, 0, 2, CHART_H);
  }

  return {
    element: section,
    update(frame) {
      times.textContent = describe(frame);
      const own = linesOf(frame);
      log.textContent = own.length ? own.join("\n") : frame === 0 ? "(nothing on stderr before the first step)" : "(no stderr at this step)";
      log.classList.toggle("rla-empty", own.length === 0);
      draw(frame);
    },
  };
}

function validTiming(t: DebugSeat["timing"]): DebugSeat["timing"] {
  if (!t || !Array.isArray(t.ms) || !Array.isArray(t.bank_ms) || !Array.isArray(t.lines)) return null;
  if (!(t.step_timeout_ms > 0) || !(t.time_bank_ms >= 0) || !Number.isInteger(t.init_lines)) return null;
  return t;
}

function fmtS(ms: number): string {
  return `${Math.round(ms / 10) / 100} s`;
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
