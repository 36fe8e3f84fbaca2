/**
 * Serves one of the package's built-in policies (`builtinAgents`) over the agent protocol, so
 * the platform can run it as a separate, sandboxable process: `node bin/rl-arena-builtin.js <name>`.
 */
import { builtinAgents } from "./agents/builtin.ts";
import { serve, type AgentObject } from "./sdk.ts";

/** An AgentObject for the built-in policy `name`; throws listing the names when unknown. */
export function builtinAgent(name: string): AgentObject {
  const entry = Object.prototype.hasOwnProperty.call(builtinAgents, name) ? builtinAgents[name] : undefined;
  if (!entry) throw new Error(`unknown built-in agent ${JSON.stringify(name)}; available: ${Object.keys(builtinAgents).sort().join(", ")}`);
  let policy: ((observation: unknown, info: Record<string, unknown>) => unknown) | null = null;
  return {
    init(ctx) {
      if (ctx.env.id !== entry.envId) throw new Error(`built-in agent ${name} plays ${entry.envId}, not ${ctx.env.id}`);
      policy = entry.create({ player: ctx.player, seed: ctx.seed });
    },
    act: (observation, info) => policy!(observation, info),
  };
}

/** Entry of bin/rl-arena-builtin.js: serve the named policy for one match, then exit. */
export async function runBuiltin(name: string | undefined): Promise<never> {
  try {
    if (!name) throw new Error(`usage: rl-arena-builtin <name>; available: ${Object.keys(builtinAgents).sort().join(", ")}`);
    await serve(builtinAgent(name));
    process.exit(0);
  } catch (error) {
    process.stderr.write(`rl-arena built-in agent ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
