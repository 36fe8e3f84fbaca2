/** The conformance suite: the built-in games pass it, and it catches each kind of broken environment. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BaseEnvironment, Discrete, Box, runConformance, assertConformance, type EnvironmentDefinition, type ResetResult, type Rng, type StepResult } from "../src/index.ts";
import { conformanceSuite } from "../src/conformance_uvu.ts";

type Flaw = "none" | "nondeterministic" | "endless" | "accepts-junk" | "bad-observation" | "mutates-on-reject" | "steps-after-end";

/** A tiny two-player race to 10 points with a random bonus; `flaw` breaks one rule on purpose. */
class Race extends BaseEnvironment {
  readonly id = "race";
  readonly version = "1.0.0";
  readonly numPlayers = 2;
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 100, [2], "int32");
  private points = [0, 0];
  private steps = 0;
  private over = false;
  constructor(private readonly flaw: Flaw, config: Record<string, unknown>, rng: Rng | undefined) {
    super(config, rng);
  }
  activePlayers() {
    return [0, 1];
  }
  renderState() {
    return { points: [...this.points], steps: this.steps };
  }
  protected start(): ResetResult {
    this.points = [0, 0];
    this.steps = 0;
    this.over = false;
    return { observations: [this.obs(), this.obs()], info: {} };
  }
  protected checkAction(_p: number, a: unknown) {
    if (this.flaw === "mutates-on-reject") this.points[0] += 1;
    if (this.flaw === "accepts-junk") return null;
    return a === 0 || a === 1 ? null : "expects 0 or 1";
  }
  protected advance(actions: unknown[], rng: Rng): StepResult {
    const bonus = this.flaw === "nondeterministic" ? (Math.random() < 0.5 ? 1 : 0) : rng.random() < 0.5 ? 1 : 0;
    if (this.flaw !== "endless") {
      this.points[0] += (actions[0] === 1 ? 1 : 0) + bonus;
      this.points[1] += actions[1] === 1 ? 1 : 0;
    }
    this.steps++;
    const terminated = this.points.some((p) => p >= 10);
    const truncated = this.flaw === "endless" ? false : this.steps >= 50;
    this.over = terminated || truncated;
    return { observations: [this.obs(), this.obs()], rewards: [0, 0], terminated, truncated, info: { steps: this.steps } };
  }
  override step(actions: unknown[]): StepResult {
    if (this.flaw === "steps-after-end" && this.over) return this.advance([0, 0], { random: () => 0 });
    return super.step(actions);
  }
  private obs() {
    return this.flaw === "bad-observation" ? [this.points[0] + 0.5, this.points[1]] : [...this.points];
  }
}

const race = (flaw: Flaw): EnvironmentDefinition => ({
  id: "race",
  version: "1.0.0",
  name: "Race",
  numPlayers: 2,
  turnBased: false,
  rules: "",
  actionMeaning: [],
  observationMeaning: [],
  defaultConfig: {},
  maxSteps: () => 50,
  create: (config, rng) => new Race(flaw, config, rng),
});

for (const id of ["pong", "tic-tac-toe", "connect-four"]) {
  test(`${id} passes the conformance suite`, () => {
    assert.equal(runConformance(id, { seeds: [1, 2, 3, 4] }), []);
  });
}

test("a sound custom environment passes, given as an unregistered definition", () => {
  assert.equal(runConformance(race("none")), []);
  assertConformance(race("none"));
});

const cases: Array<[Flaw, RegExp, RegExp]> = [
  ["nondeterministic", /^determinism/, /diverged at frame/],
  ["endless", /^random play/, /did not end within maxSteps = 50/],
  ["accepts-junk", /^random play/, /should throw InvalidActionError, but the step was accepted/],
  ["bad-observation", /^random play|^determinism/, /is not in the observation space/],
  ["mutates-on-reject", /^random play/, /changed the render state/],
  ["steps-after-end", /^random play/, /step\(\) after the episode ended should throw EpisodeFinishedError/],
];
for (const [flaw, check, message] of cases) {
  test(`the suite reports an environment that is ${flaw}`, () => {
    const failures = runConformance(race(flaw));
    assert.ok(failures.length > 0, "no failure reported");
    assert.ok(failures.some((f) => check.test(f.check) && message.test(f.message)), JSON.stringify(failures, null, 1));
    assert.throws(() => assertConformance(race(flaw)), /race fails \d+ conformance check/);
  });
}

test("an unknown id is reported as a failure, not thrown", () => {
  const failures = runConformance("nope");
  assert.is(failures.length, 1);
  assert.is(failures[0].check, "registry");
  assert.match(failures[0].message, /Available environments/);
});

test.run();
conformanceSuite("tic-tac-toe").run();
