/**
 * Turning "something that is an agent" into an AgentSpec the referee can spawn: a .js/.mjs or
 * .py file, an agent folder (agent.json or a conventional entry file), or a built-in policy.
 * An agent.json `{"protocol": "stdio", "command": ["python3", "bot.py"]}` names a program that
 * speaks the protocol itself: it runs as is, in its folder, with no runner around it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentSpec } from "./referee_types.ts";

/**
 * The package folder (holding bin/ and python/). Found next to this module (source or dist/),
 * else through Node's resolution of "rl-arena-env" (when this code was bundled into an app),
 * or from $RL_ARENA_ENV_ROOT.
 */
export const PACKAGE_ROOT = packageRoot();

function packageRoot(): string {
  const fromEnv = process.env.RL_ARENA_ENV_ROOT;
  if (fromEnv) return resolve(fromEnv);
  const isRoot = (dir: string) => existsSync(join(dir, "bin", "rl-arena-agent.js")) && existsSync(join(dir, "python", "rl_arena_launch.py"));
  const here = fileURLToPath(new URL("..", import.meta.url));
  if (isRoot(here)) return here;
  try {
    const resolved = dirname(fileURLToPath(import.meta.resolve("rl-arena-env/package.json")));
    if (isRoot(resolved)) return resolved;
  } catch {
    // not resolvable from here; fall through
  }
  return here;
}
/** `node NODE_RUNNER agent.js` serves a JavaScript agent module over the protocol. */
export const NODE_RUNNER = join(PACKAGE_ROOT, "bin", "rl-arena-agent.js");
/** `node BUILTIN_RUNNER <name>` serves a built-in policy over the protocol. */
export const BUILTIN_RUNNER = join(PACKAGE_ROOT, "bin", "rl-arena-builtin.js");
/** `python3 PYTHON_LAUNCHER agent.py` serves a Python agent module (original style or rl_arena_agent.serve). */
export const PYTHON_LAUNCHER = join(PACKAGE_ROOT, "python", "rl_arena_launch.py");
/** The folder holding rl_arena_agent.py and the rl_arena shim (put it on PYTHONPATH to import them). */
export const PYTHON_DIR = join(PACKAGE_ROOT, "python");

/** "stdio": a program that speaks the protocol itself (agent.json's `command`). */
export type AgentLanguage = "python" | "node" | "stdio";

/** Entry files looked for in an agent folder without agent.json, in this order (SPEC §2). */
export const ENTRY_CANDIDATES: ReadonlyArray<{ file: string; language: "python" | "node" }> = [
  { file: "main.py", language: "python" },
  { file: "agent.py", language: "python" },
  { file: "main.js", language: "node" },
  { file: "main.mjs", language: "node" },
  { file: "agent.js", language: "node" },
];

export interface AgentSpecOptions {
  /** Python interpreter. Default: $RL_ARENA_PYTHON or "python3". */
  python?: string;
  /** Node binary. Default: the running one (process.execPath). */
  node?: string;
  /** Extra environment variables for the agent. */
  env?: Record<string, string>;
  /** Name shown in replays and summaries. Default: the file or folder name. */
  name?: string;
}

/**
 * The entry file and language of an agent folder or file (for a stdio agent, its program and
 * `command`); throws a clear error when there is none.
 */
export function findEntry(path: string): { dir: string; entry: string; language: AgentLanguage; command?: string[] } {
  const full = resolve(path);
  if (!existsSync(full)) throw new Error(`agent ${JSON.stringify(path)} does not exist`);
  if (statSync(full).isFile()) return { dir: dirname(full), entry: full, language: languageOf(full) };
  const manifest = join(full, "agent.json");
  if (existsSync(manifest)) {
    let parsed: { language?: unknown; entry?: unknown; protocol?: unknown; command?: unknown };
    try {
      parsed = JSON.parse(readFileSync(manifest, "utf8"));
    } catch (error) {
      throw new Error(`${manifest} is not valid JSON: ${(error as Error).message}`);
    }
    if (parsed.protocol !== undefined || parsed.command !== undefined) return stdioEntry(manifest, full, parsed);
    if (parsed.language !== "python" && parsed.language !== "node") {
      throw new Error(`${manifest}: "language" must be "python" or "node", got ${JSON.stringify(parsed.language)}`);
    }
    if (typeof parsed.entry !== "string" || parsed.entry === "") throw new Error(`${manifest}: "entry" must name the entry file, got ${JSON.stringify(parsed.entry)}`);
    const entry = resolve(full, parsed.entry);
    const rel = relative(full, entry);
    if (isAbsolute(parsed.entry) || rel.startsWith("..")) throw new Error(`${manifest}: "entry" ${JSON.stringify(parsed.entry)} must be a path inside the agent folder`);
    if (!existsSync(entry)) throw new Error(`${manifest}: the entry file ${JSON.stringify(parsed.entry)} does not exist`);
    return { dir: full, entry, language: parsed.language };
  }
  for (const c of ENTRY_CANDIDATES) {
    if (existsSync(join(full, c.file))) return { dir: full, entry: join(full, c.file), language: c.language };
  }
  throw new Error(`agent folder ${JSON.stringify(path)} has no agent.json and none of ${ENTRY_CANDIDATES.map((c) => c.file).join(", ")}`);
}

function stdioEntry(manifest: string, dir: string, parsed: { protocol?: unknown; command?: unknown }): { dir: string; entry: string; language: "stdio"; command: string[] } {
  if (parsed.protocol !== "stdio") throw new Error(`${manifest}: "protocol" must be "stdio" (a program that speaks the protocol itself), got ${JSON.stringify(parsed.protocol ?? null)}`);
  const command = parsed.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === "string" && a !== "")) {
    throw new Error(`${manifest}: "command" must be a non-empty array of strings such as ["python3", "bot.py"], got ${JSON.stringify(command ?? null)}`);
  }
  const program = command[0] as string;
  return { dir, entry: program.includes("/") ? resolve(dir, program) : program, language: "stdio", command: command as string[] };
}

function languageOf(file: string): "python" | "node" {
  const ext = extname(file);
  if (ext === ".py") return "python";
  if (ext === ".js" || ext === ".mjs") return "node";
  throw new Error(`agent file ${JSON.stringify(file)} must end in .py, .js or .mjs`);
}

/** An AgentSpec that runs the agent at `path` (file or folder) through the right launcher, in its own folder. */
export function agentSpecFromPath(path: string, options: AgentSpecOptions = {}): AgentSpec {
  const { dir, entry, language, command } = findEntry(path);
  const name = options.name ?? basename(resolve(path)).replace(/\.(py|js|mjs)$/, "");
  if (language === "stdio") {
    // At home "node" and "python3" mean the ones the other agents use; anything else is found on PATH.
    const program = entry === "node" ? (options.node ?? process.execPath) : entry === "python3" || entry === "python" ? (options.python ?? process.env.RL_ARENA_PYTHON ?? entry) : entry;
    return { name, command: program, args: command!.slice(1), cwd: dir, env: options.env };
  }
  if (language === "python") {
    return { name, command: options.python ?? process.env.RL_ARENA_PYTHON ?? "python3", args: [PYTHON_LAUNCHER, entry], cwd: dir, env: options.env };
  }
  return { name, command: options.node ?? process.execPath, args: [NODE_RUNNER, entry], cwd: dir, env: options.env };
}

/** An AgentSpec that serves the built-in policy `name` (see `builtinAgents`) as its own process. */
export function builtinAgentSpec(name: string, options: Pick<AgentSpecOptions, "node" | "env"> = {}): AgentSpec {
  return { name: `builtin:${name}`, command: options.node ?? process.execPath, args: [BUILTIN_RUNNER, name], env: options.env };
}

/** `builtin:<name>` → builtinAgentSpec, anything else → agentSpecFromPath. */
export function resolveAgentSpec(target: string, options: AgentSpecOptions = {}): AgentSpec {
  if (target.startsWith("builtin:")) return builtinAgentSpec(target.slice("builtin:".length), options);
  return agentSpecFromPath(target, options);
}
