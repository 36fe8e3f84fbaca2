/**
 * The replay player: a canvas with play/pause, restart, 0.5×/1×/2× speed, a scrub slider with
 * "frame i / N", keyboard control (Space = play/pause, ←/→ = step) and a download button.
 * The same code runs in the self-contained HTML replay and on the platform's pages
 * (bundled to dist/player.js, global `RlArenaPlayer`).
 */
import { getDefinition } from "../registry.ts";
import type { Replay } from "../replay.ts";
import { loadReplay } from "../replay_compact.ts";
import { createDebugPanel, DEBUG_CSS, type DebugInfo, type DebugPanel } from "./debug_panel.ts";
import { rendererFor } from "./draw.ts";

export interface PlayerOptions {
  /** Where Space/←/→ are listened to: the whole document (standalone file) or only the focused player. Default "element". */
  keyboard?: "document" | "element";
  /** Start playing at once. Default false. */
  autoplay?: boolean;
  /** Add the player's stylesheet to the document (skip when the page ships PLAYER_CSS itself). Default true. */
  injectStyles?: boolean;
  /**
   * Step links: open at the frame named by the page's `#step=N` (paused, even with autoplay),
   * follow later changes of it, and offer "copy link to this step". Default true.
   */
  stepLinks?: boolean;
  /**
   * The owner's view: each of their seats' stderr and step timeline (GET /api/v1/matches/:id/logs),
   * shown under the board at each step, with the faults and a jump to them.
   */
  debug?: DebugInfo | null;
}

export interface PlayerHandle {
  play(): void;
  pause(): void;
  /** Shows frame `i` (clamped to 0…N). */
  seek(i: number): void;
  setSpeed(speed: 0.5 | 1 | 2): void;
  readonly frame: number;
  readonly frameCount: number;
  readonly playing: boolean;
  /** Why the replay was refused (unknown schema or environment version, invalid data); null when it plays. */
  readonly error: string | null;
  /** Stops playback and removes the player's DOM and listeners. */
  destroy(): void;
}

export const PLAYER_CSS = `
.rla-player{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#e0e0e0;background:#0a0a0a;border:1px solid #222;border-radius:8px;padding:12px;display:inline-block;max-width:100%;box-sizing:border-box;outline:none}
.rla-player:focus-visible{border-color:#00ff88}
.rla-player .rla-head{display:flex;justify-content:space-between;gap:12px;margin-bottom:8px;font-size:14px}
.rla-player .rla-head b{color:#00ff88}
.rla-player canvas{display:block;max-width:100%;height:auto;background:#1a1a2e;border-radius:4px}
.rla-player .rla-caption{min-height:1.4em;margin:8px 0;font-size:15px}
.rla-player .rla-controls{display:flex;flex-wrap:wrap;align-items:center;gap:6px}
.rla-player button{background:#1f2937;color:#e0e0e0;border:1px solid #374151;border-radius:4px;padding:4px 10px;font-size:14px;cursor:pointer}
.rla-player button:hover{border-color:#00ff88}
.rla-player button[aria-pressed=true]{background:#00ff88;color:#0a0a0a;border-color:#00ff88}
.rla-player input[type=range]{flex:1 1 200px;accent-color:#00ff88}
.rla-player .rla-frame{font-variant-numeric:tabular-nums;min-width:9em;text-align:right;font-size:14px}
.rla-player .rla-link-status{display:block;min-height:1.2em;margin-top:6px;font-size:13px;color:#9ca3af;overflow-wrap:anywhere}
.rla-player.rla-refused{border-color:#ff0066;max-width:60em}
${DEBUG_CSS}`;

const SPEEDS = [0.5, 1, 2] as const;

/**
 * Mounts a player for `input` inside `element` (its content is replaced). `input` is a replay
 * of either schema (a compact one is re-simulated here); one this player cannot read — an
 * unknown schema, an environment version it cannot draw, invalid data — is refused with a
 * message in place of the canvas (and in `handle.error`).
 */
export function mountReplayPlayer(element: HTMLElement, input: unknown, options: PlayerOptions = {}): PlayerHandle {
  const doc = element.ownerDocument;
  if (options.injectStyles !== false && !doc.getElementById("rla-player-style")) {
    const style = doc.createElement("style");
    style.id = "rla-player-style";
    style.textContent = PLAYER_CSS;
    doc.head.appendChild(style);
  }
  let replay: Replay;
  try {
    replay = loadReplay(input);
    checkDrawable(replay);
  } catch (error) {
    return refuse(element, (error as Error).message);
  }
  const steps = replay.steps;
  const last = steps.length - 1;
  const names = replay.players.map((p, i) => p.name || `player ${i}`);
  const renderer = rendererFor(replay.environment.id, steps[0]?.render);

  const root = doc.createElement("div");
  root.className = "rla-player";
  root.tabIndex = 0;
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", `Replay of ${replay.environment.id}`);
  const head = doc.createElement("div");
  head.className = "rla-head";
  const title = doc.createElement("span");
  names.forEach((name, i) => {
    if (i > 0) title.append(" vs ");
    const b = doc.createElement("b");
    b.textContent = name;
    title.append(b);
  });
  const meta = doc.createElement("span");
  meta.textContent = `${replay.environment.id} ${replay.environment.version}${replay.seed !== null ? ` · seed ${replay.seed}` : ""}`;
  head.append(title, meta);

  const canvas = doc.createElement("canvas");
  const ratio = Math.max(1, Math.min(2, doc.defaultView?.devicePixelRatio ?? 1));
  canvas.width = renderer.width * ratio;
  canvas.height = renderer.height * ratio;
  canvas.style.width = `${renderer.width}px`;
  canvas.style.aspectRatio = `${renderer.width} / ${renderer.height}`;
  const ctx = canvas.getContext("2d");

  const caption = doc.createElement("div");
  caption.className = "rla-caption";
  caption.setAttribute("aria-live", "polite");

  const controls = doc.createElement("div");
  controls.className = "rla-controls";
  const button = (label: string, title: string, onClick: () => void) => {
    const b = doc.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.title = title;
    b.addEventListener("click", onClick);
    return b;
  };
  const restartButton = button("⏮ Restart", "Back to frame 0", () => {
    seek(0);
    play();
  });
  const playButton = button("▶ Play", "Play / pause (Space)", () => (playing ? pause() : play()));
  playButton.dataset.role = "play";
  const speedButtons = SPEEDS.map((s) => {
    const b = button(`${s}×`, `Speed ${s}×`, () => setSpeed(s));
    b.dataset.speed = String(s);
    return b;
  });
  const slider = doc.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(last);
  slider.step = "1";
  slider.value = "0";
  slider.setAttribute("aria-label", "Frame");
  slider.addEventListener("input", () => {
    pause();
    seek(Number(slider.value));
  });
  const counter = doc.createElement("span");
  counter.className = "rla-frame";
  const downloadButton = button("⬇ Download", "Download the replay JSON", download);
  controls.append(restartButton, playButton, ...speedButtons, slider, counter, downloadButton);
  const stepLinks = options.stepLinks !== false && !!doc.defaultView;
  const linkStatus = doc.createElement("span");
  linkStatus.className = "rla-link-status";
  linkStatus.setAttribute("aria-live", "polite");
  if (stepLinks) controls.append(button("🔗 Copy link to this step", "Copy a link that opens this replay at this step", copyStepLink));
  root.append(head, canvas, caption, controls);
  if (stepLinks) root.append(linkStatus);
  let debugPanel: DebugPanel | null = null;
  if (options.debug && Array.isArray(options.debug.seats) && options.debug.seats.length > 0) {
    debugPanel = createDebugPanel(doc, replay, names, options.debug, (f) => {
      pause();
      seek(f);
    });
    root.append(debugPanel.element);
  }
  element.replaceChildren(root);

  let frame = 0;
  let playing = false;
  let speed: number = 1;
  let carry = 0;
  let lastTime = 0;
  let raf = 0;
  const win = doc.defaultView;

  function show(): void {
    const step = steps[frame];
    if (ctx) {
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      try {
        renderer.draw(ctx, step.render, names);
      } catch {
        ctx.fillStyle = "#1a1a2e";
        ctx.fillRect(0, 0, renderer.width, renderer.height);
      }
    }
    let text = "";
    try {
      text = renderer.caption(step.render, names);
    } catch {
      text = "";
    }
    if (frame === last) text = `${text}${text ? " · " : ""}${resultText()}`;
    caption.textContent = text;
    counter.textContent = `frame ${frame} / ${last}`;
    slider.value = String(frame);
    debugPanel?.update(frame);
  }

  function resultText(): string {
    const r = replay.result;
    const reason = r.end_reason === "completed" ? "" : ` (${r.end_reason.replace(/_/g, " ")}${r.faulted_player !== undefined ? ` by ${names[r.faulted_player]}` : ""})`;
    return r.winner === null ? `Draw${reason}` : `Winner: ${names[r.winner]}${reason}`;
  }

  function tick(time: number): void {
    if (!playing) return;
    if (lastTime) carry += ((time - lastTime) / 1000) * renderer.fps * speed;
    lastTime = time;
    const advance = Math.floor(carry);
    if (advance > 0) {
      carry -= advance;
      frame = Math.min(last, frame + advance);
      show();
      if (frame >= last) {
        pause();
        return;
      }
    }
    raf = win ? win.requestAnimationFrame(tick) : 0;
  }

  function play(): void {
    if (playing) return;
    if (frame >= last) frame = 0;
    playing = true;
    carry = 0;
    lastTime = 0;
    playButton.textContent = "⏸ Pause";
    show();
    raf = win ? win.requestAnimationFrame(tick) : 0;
  }

  function pause(): void {
    playing = false;
    if (raf && win) win.cancelAnimationFrame(raf);
    raf = 0;
    playButton.textContent = "▶ Play";
  }

  function seek(i: number): void {
    frame = Math.max(0, Math.min(last, Math.round(Number.isFinite(i) ? i : 0)));
    show();
  }

  function setSpeed(s: number): void {
    speed = s;
    speedButtons.forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.speed) === s)));
  }

  function download(): void {
    const blob = new Blob([JSON.stringify(replay)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const a = doc.createElement("a");
    a.href = url;
    a.download = `replay-${replay.environment.id}${replay.seed !== null ? `-seed${replay.seed}` : ""}.json`;
    doc.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    const isSpace = event.key === " " || event.code === "Space";
    if (target === slider && !isSpace) return; // the slider handles its own arrow keys
    if (target && target !== slider && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    if (target?.isContentEditable) return;
    if (isSpace) {
      event.preventDefault();
      if (playing) pause();
      else play();
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      pause();
      seek(frame + 1);
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      pause();
      seek(frame - 1);
    }
  }
  // Space on a focused button of ours would also "click" it on keyup; Space means play/pause here.
  function onKeyUp(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    if ((event.key === " " || event.code === "Space") && target?.tagName === "BUTTON" && root.contains(target)) event.preventDefault();
  }
  const keyTarget: Document | HTMLElement = options.keyboard === "document" ? doc : root;
  keyTarget.addEventListener("keydown", onKey as EventListener);
  root.addEventListener("keyup", onKeyUp);

  function linkedStep(): number | null {
    const match = /(?:^#|&)step=(\d+)(?:&|$)/.exec(win?.location.hash ?? "");
    return match ? Number(match[1]) : null;
  }
  function onHashChange(): void {
    const step = linkedStep();
    if (step === null) return;
    pause();
    seek(step);
  }
  function copyStepLink(): void {
    if (!win) return;
    const url = `${win.location.href.split("#")[0]}#step=${frame}`;
    try {
      win.history.replaceState(win.history.state, "", url);
    } catch {
      // some documents (sandboxed frames) refuse; the link is still shown and copied
    }
    const said = (text: string) => (linkStatus.textContent = text);
    const clipboard = win.navigator.clipboard;
    if (!clipboard) {
      said(`Copy this link: ${url}`);
      return;
    }
    clipboard.writeText(url).then(() => said(`Link to step ${frame} copied: ${url}`), () => said(`Copy this link: ${url}`));
  }
  if (stepLinks) win!.addEventListener("hashchange", onHashChange);

  setSpeed(1);
  const linked = stepLinks ? linkedStep() : null;
  if (linked !== null) seek(linked);
  else show();
  if (options.autoplay && linked === null) play();

  return {
    play,
    pause,
    seek,
    setSpeed,
    get frame() {
      return frame;
    },
    get frameCount() {
      return steps.length;
    },
    get playing() {
      return playing;
    },
    error: null,
    destroy() {
      pause();
      if (stepLinks) win!.removeEventListener("hashchange", onHashChange);
      keyTarget.removeEventListener("keydown", onKey as EventListener);
      root.removeEventListener("keyup", onKeyUp);
      root.remove();
    },
  };
}

/**
 * The built-in renderers draw the render states of their environment's major version: a
 * replay from another major version (or a version that is no version) is refused, not drawn
 * wrongly. Environments without a renderer of their own are printed as text, any version.
 */
function checkDrawable(replay: Replay): void {
  const { id, version } = replay.environment;
  let known: string;
  try {
    known = getDefinition(id).version;
  } catch {
    return;
  }
  const major = (v: string) => /^(\d+)\.\d+\.\d+/.exec(v)?.[1] ?? null;
  if (major(version) === null || major(version) !== major(known)) {
    throw new Error(`this replay was recorded on ${id} ${JSON.stringify(version)}, and this player draws ${id} ${major(known)}.x only (it has ${id} ${known}); a newer rl-arena-env may play it`);
  }
}

/** The refusal shown instead of a player, and an inert handle. */
function refuse(element: HTMLElement, message: string): PlayerHandle {
  const doc = element.ownerDocument;
  const root = doc.createElement("div");
  root.className = "rla-player rla-refused";
  root.setAttribute("role", "alert");
  const title = doc.createElement("b");
  title.textContent = "This replay cannot be played here. ";
  const detail = doc.createElement("span");
  detail.className = "rla-error";
  detail.textContent = message;
  root.append(title, detail);
  element.replaceChildren(root);
  const nothing = () => {};
  return { play: nothing, pause: nothing, seek: nothing, setSpeed: nothing, frame: 0, frameCount: 0, playing: false, error: message, destroy: () => root.remove() };
}
