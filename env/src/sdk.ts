/**
 * The JavaScript agent SDK: `serve(act)` speaks the protocol of SPEC §2 over stdin/stdout.
 *
 *   import { serve } from "rl-arena-env/sdk";
 *   serve((observation, info, ctx) => 1);
 *
 * stdout belongs to the protocol, so while serving, console.log/info/debug are sent to stderr
 * (the agent's log) — a stray print cannot corrupt the protocol.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { EndMessage, InitMessage, StepMessage } from "./protocol.ts";

/** What an agent knows besides the observation. */
export interface AgentContext {
  player: number;
  /** Step number of the current request (0 = the first step of the episode). */
  step: number;
  /** Seconds left in this agent's time bank. */
  remainingOverageS: number;
  env: InitMessage["env"];
  /** A seed for the agent's own randomness (not the environment's seed). */
  seed: number;
  limits: InitMessage["limits"];
}

export type ActFunction = (observation: any, info: Record<string, unknown>, ctx: AgentContext) => unknown;

/** An agent as an object: `act` is required, the hooks are optional. */
export interface AgentObject {
  act: ActFunction;
  /** Called once after init, before {"ready":true} is sent (load weights here). */
  init?(ctx: AgentContext): unknown;
  /** Called with the match result. */
  end?(result: EndMessage["result"], ctx: AgentContext): unknown;
}

export interface ServeOptions {
  input?: NodeJS.ReadableStream;
  /** Receives protocol lines. Default: process.stdout. */
  write?: (line: string) => void;
  /** Send console.log/info/debug to stderr while serving. Default true when writing to process.stdout. */
  redirectConsole?: boolean;
}

/** The end result, or null when stdin closed before the end message. */
export type ServeResult = EndMessage["result"] | null;

/**
 * Serves one match: answers init with {"ready":true}, each step with {"action": act(...)},
 * and resolves with the result after the end message (or null if stdin closes first).
 * An exception thrown by `act` rejects (the runner prints it to stderr and exits 1).
 */
export function serve(agent: ActFunction | AgentObject, options: ServeOptions = {}): Promise<ServeResult> {
  const target: AgentObject = typeof agent === "function" ? { act: agent } : agent;
  if (!target || typeof target.act !== "function") throw new TypeError("serve() needs an act function or an object with an act method");
  const input = options.input ?? process.stdin;
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const write = options.write ?? ((line: string) => void stdoutWrite(line));
  const restoreConsole = (options.redirectConsole ?? !options.write) ? redirectConsole() : () => {};
  let ctx: AgentContext | null = null;

  const served = new Promise<ServeResult>((resolvePromise, reject) => {
    let buffer = "";
    let queue = Promise.resolve();
    let done = false;
    const finish = (value: ServeResult, error?: unknown) => {
      if (done) return;
      done = true;
      input.removeListener("data", onData);
      input.removeListener("end", onEnd);
      restoreConsole();
      if (error !== undefined) reject(error);
      else resolvePromise(value);
    };
    const handle = async (line: string) => {
      if (done || line.trim() === "") return;
      const message = JSON.parse(line) as InitMessage | StepMessage | EndMessage;
      if (message.type === "init") {
        ctx = { player: message.player, step: 0, remainingOverageS: message.limits?.time_bank_s ?? 0, env: message.env, seed: message.seed, limits: message.limits };
        await target.init?.call(target, ctx);
        write('{"ready":true}\n');
      } else if (message.type === "step") {
        if (!ctx) throw new Error("protocol: step message before init");
        ctx.step = message.step;
        ctx.remainingOverageS = message.remaining_overage_s;
        let action = await target.act.call(target, message.observation, message.info, ctx);
        if (action === undefined) action = null;
        write(`{"action":${JSON.stringify(action)}}\n`);
      } else if (message.type === "end") {
        if (ctx) await target.end?.call(target, message.result, ctx);
        finish(message.result);
      }
    };
    const onData = (chunk: Buffer | string) => {
      buffer += typeof chunk === "string" ? chunk : chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        queue = queue.then(() => handle(line)).catch((error) => finish(null, error));
      }
    };
    const onEnd = () => void queue.then(() => finish(null));
    input.on("data", onData);
    input.on("end", onEnd);
  });
  // Lets the runner notice a module that called serve() itself while being imported.
  if (!options.input) (globalThis as Record<symbol, unknown>)[SERVING] = served;
  return served;
}

const SERVING = Symbol.for("rl-arena-env.serving");

function redirectConsole(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = console.error;
  return () => Object.assign(console, saved);
}

/**
 * Loads an agent module and returns what `serve` needs. Accepted shapes, first match wins:
 * default export function (act) or object with act; named `act`; `createAgent(ctx)` /
 * `create_agent(ctx)` returning a function or an object with act; a class `Agent` whose
 * instances have `act` or `getAction`/`get_action` (constructed with the player index).
 */
export async function loadAgentModule(file: string): Promise<AgentObject> {
  return agentFromModule((await import(pathToFileURL(resolve(file)).href)) as Record<string, any>, file);
}

function agentFromModule(mod: Record<string, any>, file: string): AgentObject {
  const d = mod.default;
  if (typeof d === "function" && !isClass(d)) return { act: d };
  if (d && typeof d === "object" && typeof d.act === "function") return d as AgentObject;
  if (typeof mod.act === "function") return { act: mod.act, init: mod.init, end: mod.end };
  const factory = mod.createAgent ?? mod.create_agent;
  const AgentClass = mod.Agent ?? (isClass(d) ? d : undefined);
  if (typeof factory === "function" || typeof AgentClass === "function") {
    let inner: any = null;
    return {
      async init(ctx: AgentContext) {
        inner = typeof factory === "function" ? await factory(ctx) : new AgentClass(ctx.player);
        if (typeof inner === "function") inner = { act: inner };
        const act = inner?.act ?? inner?.getAction ?? inner?.get_action;
        if (typeof act !== "function") throw new TypeError(`${file}: the agent made by ${typeof factory === "function" ? "createAgent" : "Agent"} has no act method`);
        inner.__act = act;
        await inner.init?.(ctx);
      },
      act: (observation: unknown, info: Record<string, unknown>, ctx: AgentContext) => inner.__act.call(inner, observation, info, ctx),
      end: (result: EndMessage["result"], ctx: AgentContext) => inner?.end?.(result, ctx),
    };
  }
  throw new TypeError(`${file} does not export an agent: export default function act(observation, info) { … }, or a named act, createAgent or Agent`);
}

function isClass(value: unknown): boolean {
  return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/** Entry of the agent runner (`node bin/rl-arena-agent.js agent.js`): load, serve, exit. */
export async function runAgentFile(file: string): Promise<never> {
  try {
    const mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, any>;
    const already = (globalThis as Record<symbol, unknown>)[SERVING] as Promise<ServeResult> | undefined;
    await (already ?? serve(agentFromModule(mod, file)));
    process.exit(0);
  } catch (error) {
    process.stderr.write(`rl-arena agent ${file} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
