/**
 * Serves one of the package's built-in policies (`builtinAgents`) over the agent protocol, so
 * the platform can use it as a separate, sandboxable process: `node bin/rl-arena-builtin.js <name>`.
 */
import * as pkg from "./index.ts";
import { serve, type AgentContext, type AgentObject } from "./sdk.ts";

/** The names of the built-in policies. */
export function builtinNames(): string[] {
  return Object.keys(builtins()).sort();
}

function builtins(): Record<string, unknown> {
  const table = (pkg as Record<string, unknown>).builtinAgents;
  if (!table || typeof table !== "object") throw new Error("this build of rl-arena-env has no builtinAgents");
  return table as Record<string, unknown>;
}

/** An AgentObject for the built-in policy `name`; throws listing the names when unknown. */
export function builtinAgent(name: string): AgentObject {
  const table = builtins();
  const entry = table[name] as any;
  if (entry === undefined) throw new Error(`unknown built-in agent ${JSON.stringify(name)}; available: ${builtinNames().join(", ")}`);
  let act: ((obs: unknown, info: Record<string, unknown>, ctx: AgentContext) => unknown) | null = null;
  return {
    async init(ctx) {
      if (typeof entry === "function") act = entry;
      else if (typeof entry?.create === "function") act = toAct(await entry.create(ctx));
      else act = toAct(entry);
      if (!act) throw new Error(`built-in agent ${name} has no act function`);
    },
    act: (obs, info, ctx) => act!(obs, info, ctx),
  };
}

function toAct(value: any): ((obs: unknown, info: Record<string, unknown>, ctx: AgentContext) => unknown) | null {
  if (typeof value === "function") return value;
  if (value && typeof value.act === "function") return (obs, info, ctx) => value.act(obs, info, ctx);
  return null;
}

/** Entry of bin/rl-arena-builtin.js. */
export async function runBuiltin(name: string | undefined): Promise<never> {
  try {
    if (!name) throw new Error(`usage: rl-arena-builtin <name>; available: ${builtinNames().join(", ")}`);
    await serve(builtinAgent(name));
    process.exit(0);
  } catch (error) {
    process.stderr.write(`rl-arena built-in agent ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
