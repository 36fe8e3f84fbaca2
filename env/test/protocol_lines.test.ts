import { test } from "uvu";
import * as assert from "uvu/assert";
import { agentSeed, parseActionLine, parseReadyLine, ProtocolViolation } from "../src/protocol.ts";
import { decide } from "../src/referee.ts";

function violation(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.instance(error, ProtocolViolation);
    return (error as Error).message;
  }
  throw new Error("expected a ProtocolViolation");
}

test("parseActionLine takes the action of {\"action\": …}, including null and objects", () => {
  assert.is(parseActionLine('{"action":2}'), 2);
  assert.is(parseActionLine('{"action":null}'), null);
  assert.equal(parseActionLine('{"action":{"col":3},"note":"x"}'), { col: 3 });
});

test("parseActionLine names what is wrong with a bad line", () => {
  assert.match(violation(() => parseActionLine("hello")), /not valid JSON: "hello"/);
  assert.match(violation(() => parseActionLine("[1]")), /must be a JSON object but is an array/);
  assert.match(violation(() => parseActionLine('{"move":1}')), /expected \{"action": …\} but got an object with keys \[move\]/);
});

test("parseReadyLine accepts only {\"ready\": true}", () => {
  parseReadyLine('{"ready":true}');
  assert.match(violation(() => parseReadyLine('{"ready":1}')), /expected \{"ready": true\}/);
});

test("agent seeds are deterministic, differ per player and are not the match seed", () => {
  assert.is(agentSeed(42, 0), agentSeed(42, 0));
  assert.is.not(agentSeed(42, 0), agentSeed(42, 1));
  assert.is.not(agentSeed(42, 0), 42);
  assert.ok(Number.isInteger(agentSeed(42, 0)) && agentSeed(42, 0) >= 0 && agentSeed(42, 0) < 2 ** 32);
});

test("decide: larger reward sum wins, equal sums draw, a lone faulting player loses, all faulting draw", () => {
  assert.is(decide([], [3, 1], 10).winner, 0);
  assert.is(decide([], [1, 1], 10).winner, null);
  const one = decide([{ player: 0, reason: "timeout", detail: "x" }], [5, 0], 3);
  assert.equal([one.winner, one.end_reason, one.faulted_player], [1, "timeout", 0]);
  const both = decide([{ player: 1, reason: "crash", detail: "a" }, { player: 0, reason: "protocol_error", detail: "b" }], [0, 0], 3);
  assert.equal([both.winner, both.faulted_players], [null, [0, 1]]);
});

test.run();
