import { test } from "uvu";
import * as assert from "uvu/assert";
import { PassThrough } from "node:stream";
import { serve, loadAgentModule } from "../src/sdk.ts";
import { FIXTURES } from "./fixtures/processes.ts";
import { join } from "node:path";

const init = { type: "init", protocol: 1, player: 1, env: { id: "pong", version: "1.0.0", config: {} }, seed: 42, limits: { init_timeout_s: 10, step_timeout_s: 1, time_bank_s: 60 } };

/** Feeds `messages` to serve() and returns what it wrote plus its result. */
async function converse(agent: Parameters<typeof serve>[0], messages: object[]) {
  const input = new PassThrough();
  const lines: string[] = [];
  const done = serve(agent, { input, write: (l) => lines.push(l) });
  for (const m of messages) input.write(JSON.stringify(m) + "\n");
  input.end();
  return { result: await done, lines };
}

test("serve answers init with ready and each step with the action act returned (sync or async)", async () => {
  const seen: unknown[] = [];
  const { result, lines } = await converse(async (obs, info, ctx) => {
    seen.push([obs, info, ctx.player, ctx.step, ctx.remainingOverageS, ctx.seed]);
    return ctx.step + 10;
  }, [init, { type: "step", step: 0, observation: [1], info: { a: 1 }, remaining_overage_s: 60 }, { type: "step", step: 1, observation: [2], info: {}, remaining_overage_s: 59.5 }, { type: "end", result: { winner: 1 } }]);
  assert.equal(lines, ['{"ready":true}\n', '{"action":10}\n', '{"action":11}\n']);
  assert.equal(seen, [[[1], { a: 1 }, 1, 0, 60, 42], [[2], {}, 1, 1, 59.5, 42]]);
  assert.equal(result, { winner: 1 });
});

test("an act that returns nothing sends a null action (the referee then rejects it as invalid)", async () => {
  const { lines } = await converse(() => undefined, [init, { type: "step", step: 0, observation: [], info: {}, remaining_overage_s: 1 }]);
  assert.is(lines[1], '{"action":null}\n');
});

test("serve resolves null when stdin closes before the end message, and rejects when act throws", async () => {
  const { result } = await converse(() => 1, [init]);
  assert.is(result, null);
  try {
    await converse(() => {
      throw new Error("boom");
    }, [init, { type: "step", step: 0, observation: [], info: {}, remaining_overage_s: 1 }]);
    assert.unreachable("should have rejected");
  } catch (error) {
    assert.is((error as Error).message, "boom");
  }
});

test("loadAgentModule accepts a default-exported act and explains what a module lacks", async () => {
  const agent = await loadAgentModule(join(FIXTURES, "agents", "js_original.mjs"));
  assert.type(agent.act, "function");
  try {
    await loadAgentModule(join(FIXTURES, "processes.ts"));
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.match((error as Error).message, /does not export an agent: export default function act/);
  }
});

test.run();
