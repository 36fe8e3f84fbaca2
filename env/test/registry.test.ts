/** make / register / describe / listEnvironments, spaces and the default PRNG. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Box,
  Dict,
  Discrete,
  DuplicateEnvironmentError,
  InvalidDefinitionError,
  RlArenaEnvError,
  UnknownEnvironmentError,
  createRng,
  describe,
  getDefinition,
  listEnvironments,
  make,
  register,
  spaceFromJSON,
  ticTacToeDefinition,
  uniform,
  unregister,
} from "../src/index.ts";

test("make on an unknown id lists the available environments", () => {
  try {
    make("pnog");
    assert.unreachable();
  } catch (error) {
    assert.instance(error, UnknownEnvironmentError);
    assert.instance(error, RlArenaEnvError);
    assert.is((error as UnknownEnvironmentError).message, 'Environment "pnog" is not registered. Available environments: connect-four, pong, tic-tac-toe');
    assert.equal((error as UnknownEnvironmentError).available, ["connect-four", "pong", "tic-tac-toe"]);
  }
});

test("listEnvironments describes the three built-in games, sorted by id", () => {
  const list = listEnvironments();
  assert.equal(list.map((d) => [d.id, d.version, d.numPlayers, d.turnBased, d.maxSteps]), [
    ["connect-four", "1.0.0", 2, true, 42],
    ["pong", "1.0.0", 2, false, 1000],
    ["tic-tac-toe", "1.0.0", 2, true, 9],
  ]);
  for (const d of list) {
    assert.ok(d.rules.length > 100, `${d.id} has rules text`);
    assert.equal(JSON.parse(JSON.stringify(d)), d, `${d.id} description is plain JSON`);
  }
});

test("describe(pong) gives spaces, meanings and the original defaults", () => {
  const d = describe("pong");
  assert.equal(d.actionSpace, { type: "discrete", n: 3 });
  assert.equal(d.observationSpace, { type: "box", low: [0, 0, -1, -1, 0, 0, 0, 0], high: [1, 1, 1, 1, 1, 1, 100, 100], shape: [8], dtype: "float32" });
  assert.is(d.actionMeaning.length, 3);
  assert.is(d.observationMeaning.length, 8);
  assert.equal(d.defaultConfig, { width: 1, height: 1, paddle_height: 0.2, paddle_width: 0.02, paddle_speed: 0.05, ball_speed: 0.02, ball_radius: 0.02, winning_score: 11, max_steps: 1000 });
  const board = describe("connect-four").observationSpace;
  assert.equal(board.type, "dict");
});

test("register adds an environment, refuses duplicates unless replace, and unregister removes it", () => {
  const custom = { ...ticTacToeDefinition, id: "my-ttt", name: "My TTT" };
  register(custom);
  assert.is(make("my-ttt").numPlayers, 2);
  assert.ok(listEnvironments().some((d) => d.id === "my-ttt"));
  assert.throws(() => register(custom), (e: unknown) => e instanceof DuplicateEnvironmentError);
  register({ ...custom, name: "Replaced" }, { replace: true });
  assert.is(getDefinition("my-ttt").name, "Replaced");
  assert.is(unregister("my-ttt"), true);
  assert.throws(() => make("my-ttt"), (e: unknown) => e instanceof UnknownEnvironmentError);
});

test("register rejects malformed definitions with the reason", () => {
  assert.throws(() => register({ ...ticTacToeDefinition, id: "Bad Id" }), (e: unknown) => e instanceof InvalidDefinitionError && /id must be/.test((e as Error).message));
  assert.throws(() => register({ ...ticTacToeDefinition, id: "x", version: "1" }), /version must be semantic/);
  assert.throws(() => register({ ...ticTacToeDefinition, id: "x", numPlayers: 0 }), /numPlayers must be a positive integer/);
});

test("Discrete contains exactly the integers 0..n-1", () => {
  const d = new Discrete(3);
  for (const x of [0, 1, 2]) assert.ok(d.contains(x));
  for (const x of [3, -1, 1.5, "1", null, undefined, Number.NaN, true, [1]]) assert.not.ok(d.contains(x), String(x));
  const rng = createRng(3);
  const seen = new Set(Array.from({ length: 200 }, () => d.sample(rng)));
  assert.equal([...seen].sort(), [0, 1, 2]);
  assert.throws(() => new Discrete(0), /positive integer/);
});

test("Box checks shape, bounds, dtype and float32 representability", () => {
  const b = new Box([0, -1], [1, 1], [2], "float32");
  assert.ok(b.contains([0.5, -1]));
  assert.ok(b.contains(new Float32Array([0.25, 0.75])));
  assert.not.ok(b.contains([0.1, 0]), "0.1 is not a float32 value");
  assert.not.ok(b.contains([2, 0]));
  assert.not.ok(b.contains([0.5]));
  assert.not.ok(b.contains([0.5, Number.NaN]));
  const grid = new Box(0, 2, [2, 3], "int8");
  assert.ok(grid.contains([[0, 1, 2], [2, 1, 0]]));
  assert.not.ok(grid.contains([[0, 1, 2], [2, 1, 0.5]]));
  assert.not.ok(grid.contains([0, 1, 2, 2, 1, 0]));
  const rng = createRng(9);
  for (let i = 0; i < 100; i++) {
    assert.ok(b.contains(b.sample(rng)));
    assert.ok(grid.contains(grid.sample(rng)));
  }
  assert.throws(() => new Box([0], [1, 2], [2]), /low has 1 values/);
});

test("Dict members are objects with exactly its keys; spaces round-trip through JSON", () => {
  const d = new Dict({ a: new Discrete(2), b: new Box(0, 1, [2], "int8") });
  assert.ok(d.contains({ a: 1, b: [0, 1] }));
  assert.not.ok(d.contains({ a: 1, b: [0, 1], c: 0 }));
  assert.not.ok(d.contains({ a: 2, b: [0, 1] }));
  assert.not.ok(d.contains([1, [0, 1]]));
  const again = spaceFromJSON(d.toJSON());
  assert.equal(again.toJSON(), d.toJSON());
  assert.ok(again.contains(d.sample(createRng(1))));
});

test("the default PRNG is seeded, uniform in [0, 1), and differs between seeds", () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 10000 }, () => a.random());
  assert.equal(xs.slice(0, 100), Array.from({ length: 100 }, () => b.random()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  assert.not.equal(createRng(43).random(), createRng(42).random());
  assert.not.equal(createRng(-1).random(), createRng(4294967295).random());
  assert.is(uniform({ random: () => 0.25 }, -1, 1), -0.5);
  // Pinned first output: changing the generator changes every seeded trajectory (a new env version).
  assert.is(createRng(0).random(), 0.8627206601460584);
  assert.is(createRng(1).random(), 0.5109072881052774);
  assert.is(createRng(2 ** 53 - 1).random(), 0.9951389168765061);
});

test.run();
