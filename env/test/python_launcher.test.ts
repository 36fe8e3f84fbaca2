import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { runMatch, type MatchLimits } from "../src/referee.ts";
import { agentSpecFromPath, builtinAgentSpec } from "../src/referee_agents.ts";
import { FIXTURES } from "./fixtures/processes.ts";

const AGENTS = join(FIXTURES, "agents");
const limits: Partial<MatchLimits> = { initTimeoutMs: 8000, stepTimeoutMs: 1000, timeBankMs: 2000, killGraceMs: 200 };
const NO_NUMPY = { PYTHONPATH: join(AGENTS, "no_numpy") };

async function pongAgainstTracker(file: string, env: Record<string, string> = {}, maxSteps = 40) {
  return runMatch({
    env: { id: "pong", config: { max_steps: maxSteps } },
    seed: 11,
    limits,
    agents: [agentSpecFromPath(join(AGENTS, file), { env }), builtinAgentSpec("pong-tracker")],
  });
}

test("an original-style module with create_agent(player_id) plays, with numpy float32 observations and print() in its log", async () => {
  const r = await pongAgainstTracker("py_original_create.py");
  assert.is(r.outcome.end_reason, "completed", r.logs[0]);
  assert.is(r.outcome.total_steps, 40);
  assert.match(r.logs[0]!, /module imported/);
  assert.match(r.logs[0]!, /py agent: player 0, observation type ndarray float32/);
});

test("without numpy the same module gets plain lists", async () => {
  const r = await pongAgainstTracker("py_original_create.py", NO_NUMPY);
  assert.is(r.outcome.end_reason, "completed", r.logs[0]);
  assert.match(r.logs[0]!, /observation type list/);
});

test("a class Agent(player_id) that implements only get_action is driven through get_action", async () => {
  const r = await pongAgainstTracker("py_original_class.py");
  assert.is(r.outcome.end_reason, "completed", r.logs[0]);
  assert.ok(r.replay.steps.slice(1).every((s) => s.actions[0] === 1), "every action came from get_action (STAY)");
});

test("a module-level get_action(obs) function is an agent", async () => {
  const r = await pongAgainstTracker("py_module_function.py");
  assert.is(r.outcome.end_reason, "completed", r.logs[0]);
  assert.ok(r.replay.steps.slice(1).every((s) => s.actions[0] === 2));
});

test("a script that calls rl_arena_agent.serve itself works under the launcher and sees its time bank", async () => {
  const r = await pongAgainstTracker("py_serve.py");
  assert.is(r.outcome.end_reason, "completed", r.logs[0]);
  assert.match(r.logs[0]!, /step 0 bank 2(\.0)?\n/);
});

test("a module without an agent crashes at init and its log says what to define", async () => {
  const r = await pongAgainstTracker("py_no_agent.py");
  assert.is(r.outcome.end_reason, "crash");
  assert.is(r.outcome.faulted_player, 0);
  assert.is(r.outcome.total_steps, 0);
  assert.match(r.logs[0]!, /defines no agent: define create_agent\(player_id\)/);
});

test("a board-game agent receives the action mask (a numpy array) and plays legal moves to the end", async () => {
  const r = await runMatch({
    env: { id: "tic-tac-toe" },
    seed: 3,
    limits,
    agents: [agentSpecFromPath(join(AGENTS, "py_board.py")), builtinAgentSpec("tictactoe-random")],
  });
  assert.is(r.outcome.end_reason, "completed", r.logs[0]);
  assert.match(r.logs[0]!, /mask type ndarray/);
});

test.run();
