/**
 * The `rl-arena-env` command line: list, describe, match, replay, new-agent, reproduce.
 * `main(argv)` returns the exit code; errors print one line (no stack) and exit 1 (2 for usage).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { parseArgs } from "node:util";
import { builtinAgents } from "./agents/builtin.ts";
import { describe, listEnvironments } from "./registry.ts";
import type { Replay } from "./replay.ts";
import { loadReplay } from "./replay_compact.ts";
import { renderReplayHtml } from "./replay_html.ts";
import { ProgressBar, summary, table, tallyGame, type AgentTally } from "./cli_output.ts";
import { STARTER_LANGUAGES, writeStarterAgent } from "./cli_new_agent.ts";
import { runMatch } from "./referee.ts";
import { reproduceMatch } from "./reproduce.ts";
import { resolveAgentSpec } from "./referee_agents.ts";
import type { MatchLimits } from "./referee_types.ts";

export const USAGE = `usage: rl-arena-env <command> [options]

commands:
  list                                  the registered environments
  describe <env> [--json]               rules, spaces and default config of an environment
  match <env> <agentA> <agentB>         play agents against each other as separate processes
        [--seed N] [--games N] [--out replay.json|replay.html] [--config JSON]
        [--step-timeout S] [--time-bank S] [--init-timeout S] [--python CMD]
        [--progress] [--no-swap] [--json] [--logs DIR]
      with --games N > 1, --out r.html writes one replay per game: r-1.html … r-N.html
      an agent is a .js/.mjs/.py file, an agent folder (agent.json, or main.py/agent.py/
      main.js/main.mjs/agent.js), or builtin:<name> (see \`rl-arena-env list\`)
  replay <file.json> --out <file.html>  turn a replay into a self-contained HTML player
  new-agent <dir> --lang python|node|stdio-python|stdio-node --env <env>
                                        write a ready-to-upload starter agent
  reproduce <match-id|replay.json> --seat N <agent> [--platform URL] [--python CMD]
      play your agent on seat N of a recorded match again: same environment version, config
      and seed, every seat's recorded actions, so it sees the observations it saw; prints
      "identical" (exit 0) or the first step where it answers differently (exit 3). A match id
      is fetched from --platform (default: $RL_ARENA_URL).
`;

class UsageError extends Error {}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: string[], io: { out: NodeJS.WriteStream; err: NodeJS.WriteStream } = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "list":
        return list(io.out);
      case "describe":
        return describeCommand(rest, io.out);
      case "match":
        return await matchCommand(rest, io);
      case "replay":
        return replayCommand(rest, io.out);
      case "new-agent":
        return newAgentCommand(rest, io.out);
      case "reproduce":
        return await reproduceCommand(rest, io.out);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err.write(`rl-arena-env: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.err.write(`rl-arena-env: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function list(out: NodeJS.WriteStream): number {
  const rows = [["id", "version", "players", "turns", "max steps", "name"]];
  for (const d of listEnvironments()) rows.push([d.id, d.version, String(d.numPlayers), d.turnBased ? "turn-based" : "simultaneous", String(d.maxSteps), d.name]);
  out.write(table(rows));
  out.write("\nbuilt-in agents (use as builtin:<name>):\n");
  out.write(table([["name", "plays", "description"], ...builtinNames().map((n) => [n, builtinAgents[n]!.envId, builtinAgents[n]!.description])]));
  return 0;
}

function builtinNames(): string[] {
  return Object.keys(builtinAgents).sort();
}

function describeCommand(args: string[], out: NodeJS.WriteStream): number {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" } } });
  if (positionals.length !== 1) throw new UsageError("describe needs exactly one environment id");
  const d = describe(positionals[0]!);
  if (values.json) {
    out.write(JSON.stringify(d, null, 2) + "\n");
    return 0;
  }
  out.write(`${d.name} (${d.id} ${d.version}), ${d.numPlayers} players, ${d.turnBased ? "turn-based" : "simultaneous moves"}, at most ${d.maxSteps} steps\n\n`);
  out.write(`${d.rules.trim()}\n\n`);
  out.write(`action space: ${JSON.stringify(d.actionSpace)}\n`);
  d.actionMeaning.forEach((m) => out.write(`  ${m}\n`));
  out.write(`observation space: ${JSON.stringify(d.observationSpace)}\n`);
  d.observationMeaning.forEach((m) => out.write(`  ${m}\n`));
  out.write(`default config: ${JSON.stringify(d.defaultConfig)}\n`);
  return 0;
}

async function matchCommand(args: string[], io: { out: NodeJS.WriteStream; err: NodeJS.WriteStream }): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      seed: { type: "string" },
      games: { type: "string", default: "1" },
      out: { type: "string" },
      config: { type: "string" },
      "step-timeout": { type: "string" },
      "time-bank": { type: "string" },
      "init-timeout": { type: "string" },
      python: { type: "string" },
      progress: { type: "boolean" },
      "no-swap": { type: "boolean" },
      json: { type: "boolean" },
      logs: { type: "string" },
    },
  });
  if (positionals.length !== 3) throw new UsageError("match needs <env> <agentA> <agentB>");
  const [envId, a, b] = positionals as [string, string, string];
  const games = integer(values.games!, "--games", 1);
  const seed = values.seed !== undefined ? integer(values.seed, "--seed", 0) : Math.floor(Math.random() * 2 ** 31);
  let config: Record<string, unknown> | undefined;
  if (values.config !== undefined) {
    try {
      config = JSON.parse(values.config);
    } catch {
      throw new UsageError(`--config must be a JSON object, got ${values.config}`);
    }
  }
  const limits: Partial<MatchLimits> = {};
  if (values["step-timeout"]) limits.stepTimeoutMs = seconds(values["step-timeout"], "--step-timeout");
  if (values["time-bank"]) limits.timeBankMs = seconds(values["time-bank"], "--time-bank");
  if (values["init-timeout"]) limits.initTimeoutMs = seconds(values["init-timeout"], "--init-timeout");
  if (values.out && ![".json", ".html"].includes(extname(values.out))) throw new UsageError(`--out must end in .json or .html, got ${values.out}`);
  describe(envId); // unknown environment → a clear error before any process starts
  const specs = [a, b].map((target) => resolveAgentSpec(target, { python: values.python, env: inheritedEnv() }));
  if (specs[0]!.name === specs[1]!.name) {
    specs[0]!.name += " (A)";
    specs[1]!.name += " (B)";
  }

  const tallies: AgentTally[] = specs.map((s) => ({ name: s.name, wins: 0, draws: 0, losses: 0, faults: 0, steps: 0, stepMsTotal: 0, maxStepMs: 0 }));
  const reasons = new Map<string, number>();
  const showProgress = values.progress || (io.err.isTTY ?? false);
  const bar = showProgress ? new ProgressBar(io.err) : null;
  const started = performance.now();
  const results = [];
  const replays: string[] = [];
  for (let g = 1; g <= games; g++) {
    // Alternate seats so neither agent always moves first / plays the left paddle.
    const seatOf = games > 1 && !values["no-swap"] && g % 2 === 0 ? [1, 0] : [0, 1];
    const result = await runMatch({
      env: { id: envId, config },
      agents: seatOf.map((i) => specs[i]!),
      seed: seed + g - 1,
      limits,
      onStep: bar ? (p) => bar.update(g, games, p.step, p.maxSteps) : undefined,
    });
    tallyGame(tallies, result, seatOf);
    reasons.set(result.outcome.end_reason, (reasons.get(result.outcome.end_reason) ?? 0) + 1);
    if (values.logs) writeLogs(values.logs, g, seatOf.map((i) => specs[i]!.name), result.logs);
    const replayPath = values.out ? (games === 1 ? values.out : numbered(values.out, g)) : undefined;
    if (replayPath) {
      writeReplay(replayPath, result.replay);
      replays.push(replayPath);
    }
    if (result.outcome.fault_detail) {
      io.err.write(`${bar ? "\r" : ""}game ${g}: ${result.outcome.fault_detail}\n`);
      for (const seat of result.outcome.faulted_players ?? []) {
        const tail = result.logs[seat]!.trimEnd().split("\n").slice(-6).join("\n  ");
        if (tail) io.err.write(`  last lines of ${specs[seatOf[seat]!]!.name}'s log:\n  ${tail}\n`);
      }
    }
    results.push({ game: g, seed: seed + g - 1, players: seatOf.map((i) => specs[i]!.name), outcome: result.outcome, stats: result.stats, ...(replayPath ? { replay: replayPath } : {}) });
  }
  bar?.done();
  if (values.json) io.out.write(JSON.stringify({ games: results, summary: tallies }, null, 2) + "\n");
  else {
    io.out.write(summary(tallies, reasons, games, performance.now() - started));
    // Several games never share one --out file: say where each replay went.
    if (replays.length === 1) io.out.write(`replay: ${replays[0]}\n`);
    else if (replays.length > 1) io.out.write(`replays (one per game): ${replays[0]} … ${replays.at(-1)}\n`);
  }
  return 0;
}

function writeLogs(dir: string, game: number, names: string[], logs: string[]): void {
  mkdirSync(dir, { recursive: true });
  names.forEach((name, seat) => writeFileSync(join(dir, `game${game}-seat${seat}-${name.replace(/[^\w.-]+/g, "_")}.log`), logs[seat]!));
}

function writeReplay(path: string, replay: Replay): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, extname(path) === ".html" ? renderHtml(replay) : JSON.stringify(replay));
}

function renderHtml(replay: Replay): string {
  return renderReplayHtml(replay);
}

function replayCommand(args: string[], out: NodeJS.WriteStream): number {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { out: { type: "string" } } });
  if (positionals.length !== 1 || !values.out) throw new UsageError("replay needs <file.json> --out <file.html>");
  if (extname(values.out) !== ".html") throw new UsageError(`--out must end in .html, got ${values.out}`);
  const replay = loadReplay(readFileSync(positionals[0]!, "utf8"));
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, renderHtml(replay));
  out.write(`wrote ${values.out} (${replay.steps.length} frames)\n`);
  return 0;
}

function newAgentCommand(args: string[], out: NodeJS.WriteStream): number {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { lang: { type: "string" }, env: { type: "string" } } });
  if (positionals.length !== 1) throw new UsageError("new-agent needs a target folder");
  const lang = STARTER_LANGUAGES.find((l) => l === values.lang);
  if (!lang) throw new UsageError(`--lang must be ${STARTER_LANGUAGES.join(", ")} (stdio-…: a program that speaks the protocol itself), got ${JSON.stringify(values.lang)}`);
  if (!values.env) throw new UsageError("new-agent needs --env <environment id>");
  const files = writeStarterAgent(positionals[0]!, lang, describe(values.env));
  out.write(`wrote ${files.join(", ")} in ${positionals[0]}\n`);
  return 0;
}

async function reproduceCommand(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { seat: { type: "string" }, platform: { type: "string" }, python: { type: "string" } } });
  if (positionals.length !== 2 || values.seat === undefined) throw new UsageError("reproduce needs <match-id|replay.json> --seat N <agent>");
  const seat = integer(values.seat, "--seat", 0);
  const replay = await recordedMatch(positionals[0]!, values.platform ?? process.env.RL_ARENA_URL);
  const agent = resolveAgentSpec(positionals[1]!, { python: values.python, env: inheritedEnv() });
  const result = await reproduceMatch({ replay, seat, agent });
  if (result.identical) {
    out.write(`identical: your agent gave the recorded answer at all ${result.asked} steps it was asked (${result.steps} steps, seat ${seat})\n`);
    return 0;
  }
  out.write(`differs at ${result.detail}\n`); // the detail starts with "step N:" (or "init:")
  return 3;
}

/** A replay file (either schema), or a match id fetched from the platform at `platform`. */
async function recordedMatch(target: string, platform: string | undefined): Promise<Replay> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(target)) return loadReplay(readFileSync(target, "utf8"));
  if (!platform) throw new UsageError(`${target} is a match id: say where the platform is with --platform URL (or RL_ARENA_URL)`);
  const url = `${platform.replace(/\/+$/, "")}/api/v1/matches/${target}/replay?format=json`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return loadReplay(await res.text());
}

function inheritedEnv(): Record<string, string> {
  // At home the agent is the user's own code: give it the user's environment (virtualenvs, CUDA…).
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

function integer(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  return n;
}

function seconds(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number of seconds > 0, got ${JSON.stringify(text)}`);
  return Math.round(n * 1000);
}

function numbered(path: string, game: number): string {
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}-${game}${ext}`;
}
