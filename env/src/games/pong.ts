/**
 * Pong 1.0.0 — the original RL-Arena dynamics, reproduced exactly (SPEC §1.2).
 *
 * The original keeps the ball in NumPy float32 arrays (NumPy 2 semantics): every operation
 * between a float32 and a Python number rounds the number to float32 first and the result to
 * float32 again. `f = Math.fround` marks each of those places; paddle positions stay doubles.
 */
import { configNumber } from "../config_check.ts";
import { BaseEnvironment } from "../environment_base.ts";
import { uniform } from "../rng.ts";
import { Box, Discrete } from "../spaces.ts";
import type { EnvironmentDefinition, ResetResult, Rng, StepResult } from "../types.ts";

const f = Math.fround;
const LEFT_PLANE = f(0.05);
const RIGHT_PLANE = f(0.95);
const ACTION_SPACE = new Discrete(3);
const OBSERVATION_SPACE = new Box([0, 0, -1, -1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 100, 100], [8], "float32");

export const PONG_DEFAULT_CONFIG = Object.freeze({
  width: 1.0,
  height: 1.0,
  paddle_height: 0.2,
  paddle_width: 0.02,
  paddle_speed: 0.05,
  ball_speed: 0.02,
  ball_radius: 0.02,
  winning_score: 11,
  max_steps: 1000,
});

/** `renderState()` of pong: everything a renderer draws, in field units ([0,1]², y down). */
export interface PongRenderState {
  ball: { x: number; y: number };
  ball_radius: number;
  /** Centre y of the left (player 0) and right (player 1) paddles. */
  paddles: [number, number];
  paddle_height: number;
  scores: [number, number];
  step: number;
}

export class PongEnvironment extends BaseEnvironment {
  readonly id = "pong";
  readonly version = "1.0.0";
  readonly numPlayers = 2;
  readonly actionSpace = ACTION_SPACE;
  readonly observationSpace = OBSERVATION_SPACE;

  private readonly paddleSpeed: number;
  private readonly ballSpeed: number;
  private readonly paddleHeight: number;
  private readonly ballRadius: number;
  private readonly radius32: number;
  private readonly halfPaddle32: number;
  private readonly winningScore: number;
  private readonly maxSteps: number;

  // Ball position and velocity hold float32 values; paddles are doubles.
  private bx = 0.5;
  private by = 0.5;
  private vx = 0;
  private vy = 0;
  private p0 = 0.5;
  private p1 = 0.5;
  private s0 = 0;
  private s1 = 0;
  private t = 0;
  private readonly all = [0, 1];

  constructor(config: Record<string, unknown>, rng: Rng | undefined) {
    super(config, rng);
    const id = "pong";
    configNumber(id, config, "width", { above: 0 });
    configNumber(id, config, "height", { above: 0 });
    configNumber(id, config, "paddle_width", { min: 0 });
    this.paddleHeight = configNumber(id, config, "paddle_height", { above: 0, max: 2 });
    this.paddleSpeed = configNumber(id, config, "paddle_speed", { above: 0, max: 1 });
    this.ballSpeed = configNumber(id, config, "ball_speed", { above: 0, max: 1 });
    this.ballRadius = configNumber(id, config, "ball_radius", { min: 0, max: 0.5 });
    // Scores are observed within [0, 100], so a game must end by then.
    this.winningScore = configNumber(id, config, "winning_score", { integer: true, min: 1, max: 100 });
    this.maxSteps = configNumber(id, config, "max_steps", { integer: true, min: 1 });
    this.radius32 = f(this.ballRadius);
    this.halfPaddle32 = f(this.paddleHeight / 2);
  }

  activePlayers(): number[] {
    return this.all.slice();
  }

  protected checkAction(_player: number, action: unknown): string | null {
    return action === 0 || action === 1 || action === 2 ? null : "pong expects an integer 0 (UP), 1 (STAY) or 2 (DOWN)";
  }

  protected override validate(actions: unknown[]): void {
    const a0 = actions[0];
    const a1 = actions[1];
    // Fast path for the common case; the generic check produces the error.
    if ((a0 === 0 || a0 === 1 || a0 === 2) && (a1 === 0 || a1 === 1 || a1 === 2)) return;
    super.validate(actions);
  }

  protected start(rng: Rng): ResetResult {
    this.p0 = 0.5;
    this.p1 = 0.5;
    this.s0 = 0;
    this.s1 = 0;
    this.t = 0;
    this.serve(rng);
    return { observations: [this.observation(), this.observation()], info: this.info() };
  }

  protected advance(actions: unknown[], rng: Rng): StepResult {
    const a0 = actions[0];
    const a1 = actions[1];
    if (a0 === 0) this.p0 = Math.max(0, this.p0 - this.paddleSpeed);
    else if (a0 === 2) this.p0 = Math.min(1, this.p0 + this.paddleSpeed);
    if (a1 === 0) this.p1 = Math.max(0, this.p1 - this.paddleSpeed);
    else if (a1 === 2) this.p1 = Math.min(1, this.p1 + this.paddleSpeed);

    let bx = f(this.bx + this.vx);
    let by = f(this.by + this.vy);
    let vx = this.vx;
    let vy = this.vy;
    if (by <= 0 || by >= 1) {
      vy = -vy;
      by = by < 0 ? 0 : by > 1 ? 1 : by;
    }
    if (f(bx - this.radius32) <= LEFT_PLANE && Math.abs(f(by - f(this.p0))) <= this.halfPaddle32) {
      vx = Math.abs(vx);
      vy = f(vy + f(uniform(rng, -0.01, 0.01)));
    }
    if (f(bx + this.radius32) >= RIGHT_PLANE && Math.abs(f(by - f(this.p1))) <= this.halfPaddle32) {
      vx = -Math.abs(vx);
      vy = f(vy + f(uniform(rng, -0.01, 0.01)));
    }
    this.bx = bx;
    this.by = by;
    this.vx = vx;
    this.vy = vy;

    let r0 = 0;
    let r1 = 0;
    if (bx <= 0) {
      this.s1 += 1;
      r0 = -1;
      r1 = 1;
      this.serve(rng);
    } else if (bx >= 1) {
      this.s0 += 1;
      r0 = 1;
      r1 = -1;
      this.serve(rng);
    }
    this.t += 1;
    return {
      observations: [this.observation(), this.observation()],
      rewards: [r0, r1],
      terminated: this.s0 >= this.winningScore || this.s1 >= this.winningScore,
      truncated: this.t >= this.maxSteps,
      info: this.info(),
    };
  }

  renderState(): PongRenderState {
    return {
      ball: { x: this.bx, y: this.by },
      ball_radius: this.ballRadius,
      paddles: [this.p0, this.p1],
      paddle_height: this.paddleHeight,
      scores: [this.s0, this.s1],
      step: this.t,
    };
  }

  /** Ball at the centre; angle drawn first, then the direction (the original's draw order). */
  private serve(rng: Rng): void {
    this.bx = 0.5;
    this.by = 0.5;
    const angle = uniform(rng, -Math.PI / 4, Math.PI / 4);
    const direction = rng.random() < 0.5 ? 1 : -1;
    this.vx = f(direction * this.ballSpeed * Math.cos(angle));
    this.vy = f(this.ballSpeed * Math.sin(angle));
  }

  private observation(): number[] {
    return [this.bx, this.by, this.vx, this.vy, f(this.p0), f(this.p1), this.s0, this.s1];
  }

  private info(): Record<string, unknown> {
    return { scores: [this.s0, this.s1], ball_pos: [this.bx, this.by], paddle_positions: [this.p0, this.p1] };
  }
}

export const pongDefinition: EnvironmentDefinition = {
  id: "pong",
  version: "1.0.0",
  name: "Pong",
  numPlayers: 2,
  turnBased: false,
  defaultConfig: PONG_DEFAULT_CONFIG,
  maxSteps: (config) => Number(config.max_steps),
  create: (config, rng) => new PongEnvironment(config, rng),
  actionMeaning: ["0 = UP: move your paddle up by paddle_speed", "1 = STAY", "2 = DOWN: move your paddle down by paddle_speed"],
  observationMeaning: [
    "ball_x (0 = left wall, 1 = right wall)",
    "ball_y (0 = top, 1 = bottom)",
    "ball_vx (field units per step)",
    "ball_vy (field units per step)",
    "paddle0_y: centre of the left paddle (player 0)",
    "paddle1_y: centre of the right paddle (player 1)",
    "score0: points of player 0",
    "score1: points of player 1",
  ],
  rules: [
    "Two players each move a paddle up and down; player 0 defends the left edge (paddle at x = 0.05), player 1 the right edge (paddle at x = 0.95). The field is the unit square and y grows downward.",
    "Both players act at the same time on every step: 0 moves the paddle up by paddle_speed, 1 keeps it still, 2 moves it down (the paddle centre stays within [0, 1]). The ball then moves by its velocity and bounces off the top and bottom walls.",
    "When the ball reaches a paddle's plane within half a paddle height of its centre, it is sent back and its vertical speed changes by a random amount in [-0.01, 0.01]. If it reaches the left edge, player 1 scores (+1, and -1 for player 0); at the right edge player 0 scores. After a point the ball is served again from the centre at a random angle within ±45° towards a random side.",
    "The game ends when a player reaches winning_score points or after max_steps steps. The player with more points wins; equal points is a draw.",
    "Both players receive the same observation, so each agent must know its side: player 0 is the left paddle.",
  ].join("\n\n"),
};
