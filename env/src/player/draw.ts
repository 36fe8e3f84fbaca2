/**
 * Canvas renderers of render states, one per game kind, plus a fallback that prints the state.
 * Pong keeps the colours and proportions of the original HTML replay.
 */
import type { GridRenderState } from "../games/grid_game.ts";

export interface Renderer {
  /** Canvas size in CSS pixels. */
  width: number;
  height: number;
  /** Frames per second at 1× speed. */
  fps: number;
  draw(ctx: CanvasRenderingContext2D, state: unknown, names: string[]): void;
  /** One line under the canvas for this frame (score, who moves). */
  caption(state: unknown, names: string[]): string;
}

interface PongState {
  ball: { x: number; y: number };
  paddles: [number, number];
  paddle_height: number;
  scores: [number, number];
  step?: number;
}

const pong: Renderer = {
  width: 800,
  height: 600,
  fps: 60,
  draw(ctx, raw) {
    const s = raw as PongState;
    const W = 800;
    const H = 600;
    ctx.fillStyle = "#1a1a2e";
    ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = "#444466";
    ctx.lineWidth = 2;
    ctx.setLineDash([10, 10]);
    ctx.beginPath();
    ctx.moveTo(W / 2, 0);
    ctx.lineTo(W / 2, H);
    ctx.stroke();
    ctx.setLineDash([]);
    const h = s.paddle_height * H;
    ctx.fillStyle = "#00ff88";
    ctx.fillRect(0.05 * W - 5, s.paddles[0] * H - h / 2, 10, h);
    ctx.fillStyle = "#ff0066";
    ctx.fillRect(0.95 * W - 5, s.paddles[1] * H - h / 2, 10, h);
    ctx.fillStyle = "#ffffff";
    ctx.beginPath();
    ctx.arc(s.ball.x * W, s.ball.y * H, 8, 0, Math.PI * 2);
    ctx.fill();
    ctx.font = "bold 48px Arial, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(String(s.scores[0]), 0.35 * W, 60);
    ctx.fillText(String(s.scores[1]), 0.65 * W, 60);
  },
  caption(raw, names) {
    const s = raw as PongState;
    return `${names[0]} ${s.scores[0]} – ${s.scores[1]} ${names[1]}`;
  },
};

function gridCaption(raw: unknown, names: string[]): string {
  const s = raw as GridRenderState;
  if (s.winner !== null && s.winner !== undefined) return `${names[s.winner]} wins`;
  if (s.draw) return "Draw: the board is full";
  return `${names[s.to_move]} to move`;
}

const ticTacToe: Renderer = {
  width: 480,
  height: 480,
  fps: 2,
  draw(ctx, raw) {
    const s = raw as GridRenderState;
    const size = 480;
    const cell = size / 3;
    ctx.fillStyle = "#16213e";
    ctx.fillRect(0, 0, size, size);
    if (s.winning_line) {
      ctx.fillStyle = "#2d4a3e";
      for (const { row, col } of s.winning_line) ctx.fillRect(col * cell, row * cell, cell, cell);
    }
    if (s.last_move) {
      ctx.strokeStyle = "#ffd166";
      ctx.lineWidth = 3;
      ctx.strokeRect(s.last_move.col * cell + 4, s.last_move.row * cell + 4, cell - 8, cell - 8);
    }
    ctx.strokeStyle = "#e0e0e0";
    ctx.lineWidth = 4;
    for (let i = 1; i < 3; i++) {
      ctx.beginPath();
      ctx.moveTo(i * cell, 10);
      ctx.lineTo(i * cell, size - 10);
      ctx.moveTo(10, i * cell);
      ctx.lineTo(size - 10, i * cell);
      ctx.stroke();
    }
    ctx.lineWidth = 10;
    s.board.forEach((row, r) =>
      row.forEach((v, c) => {
        const x = c * cell + cell / 2;
        const y = r * cell + cell / 2;
        const k = cell * 0.3;
        if (v === 1) {
          ctx.strokeStyle = "#00ff88";
          ctx.beginPath();
          ctx.moveTo(x - k, y - k);
          ctx.lineTo(x + k, y + k);
          ctx.moveTo(x + k, y - k);
          ctx.lineTo(x - k, y + k);
          ctx.stroke();
        } else if (v === 2) {
          ctx.strokeStyle = "#ff0066";
          ctx.beginPath();
          ctx.arc(x, y, k, 0, Math.PI * 2);
          ctx.stroke();
        }
      }),
    );
  },
  caption: gridCaption,
};

const connectFour: Renderer = {
  width: 700,
  height: 600,
  fps: 2,
  draw(ctx, raw) {
    const s = raw as GridRenderState;
    const rows = s.board.length;
    const cols = s.board[0]?.length ?? 0;
    const cell = Math.min(700 / cols, 600 / rows);
    ctx.fillStyle = "#1f4fbf";
    ctx.fillRect(0, 0, 700, 600);
    const winning = new Set((s.winning_line ?? []).map((p) => `${p.row},${p.col}`));
    s.board.forEach((row, r) =>
      row.forEach((v, c) => {
        const x = c * cell + cell / 2;
        const y = r * cell + cell / 2;
        ctx.fillStyle = v === 1 ? "#e63946" : v === 2 ? "#ffd166" : "#0b1a3a";
        ctx.beginPath();
        ctx.arc(x, y, cell * 0.4, 0, Math.PI * 2);
        ctx.fill();
        const last = s.last_move && s.last_move.row === r && s.last_move.col === c;
        if (winning.has(`${r},${c}`) || last) {
          ctx.strokeStyle = winning.has(`${r},${c}`) ? "#ffffff" : "#00ff88";
          ctx.lineWidth = 5;
          ctx.stroke();
        }
      }),
    );
  },
  caption: gridCaption,
};

const fallback: Renderer = {
  width: 800,
  height: 600,
  fps: 10,
  draw(ctx, state) {
    ctx.fillStyle = "#1a1a2e";
    ctx.fillRect(0, 0, 800, 600);
    ctx.fillStyle = "#e0e0e0";
    ctx.font = "14px monospace";
    ctx.textAlign = "left";
    const text = JSON.stringify(state, null, 1) ?? "null";
    text.split("\n").slice(0, 38).forEach((line, i) => ctx.fillText(line.slice(0, 100), 12, 22 + i * 15));
  },
  caption: () => "",
};

/** The renderer for an environment id; any grid-like state gets the generic board, else the JSON view. */
export function rendererFor(envId: string, sample: unknown): Renderer {
  if (envId === "pong") return pong;
  if (envId === "tic-tac-toe") return ticTacToe;
  if (envId === "connect-four") return connectFour;
  const s = sample as Partial<GridRenderState> | null;
  if (s && Array.isArray(s.board) && Array.isArray(s.board[0])) return connectFour;
  return fallback;
}
