/**
 * `rl-arena-env new-agent`: writes a starter agent (agent.json + entry + README) that plays
 * legal moves. `python`/`node` starters are served by our launcher or runner; `stdio-python`/
 * `stdio-node` ones are programs that speak the protocol themselves (agent.json `command`).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { EnvironmentDescription } from "./types.ts";

export const STARTER_LANGUAGES = ["python", "node", "stdio-python", "stdio-node"] as const;
export type StarterLanguage = (typeof STARTER_LANGUAGES)[number];

/** Writes the starter into `dir` (created if needed); refuses to overwrite. Returns the file names. */
export function writeStarterAgent(dir: string, lang: StarterLanguage, env: EnvironmentDescription): string[] {
  const python = lang === "python" || lang === "stdio-python";
  const entry = python ? "main.py" : "main.mjs";
  const stdio = lang === "stdio-python" || lang === "stdio-node";
  const manifest = stdio ? { protocol: "stdio", command: [python ? "python3" : "node", entry], environment: env.id } : { language: lang, entry, environment: env.id };
  const files: Record<string, string> = {
    "agent.json": JSON.stringify(manifest, null, 2) + "\n",
    [entry]: stdio ? (python ? rawPythonSource(env) : rawNodeSource(env)) : python ? pythonSource(env) : nodeSource(env),
    "README.md": readme(dir, lang, entry, env),
  };
  for (const name of Object.keys(files)) {
    if (existsSync(join(dir, name))) throw new Error(`${join(dir, name)} already exists; choose an empty folder`);
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files);
}

function kind(env: EnvironmentDescription): "pong" | "masked" | "discrete" {
  if (env.id === "pong") return "pong";
  if (env.observationSpace.type === "dict" && "action_mask" in env.observationSpace.spaces) return "masked";
  if (env.actionSpace.type === "discrete") return "discrete";
  throw new Error(`new-agent has no starter for ${env.id}: its action space is ${JSON.stringify(env.actionSpace)}`);
}

function pythonSource(env: EnvironmentDescription): string {
  const head = `"""Starter agent for ${env.name} (${env.id}). Run it locally with:

    npx rl-arena-env match ${env.id} . builtin:<opponent>

The platform imports this module and calls create_agent(player_id) once, then act(observation)
every step. print() goes to your agent's log (stderr), never to the protocol.
"""
import random

from rl_arena.core.agent import Agent

`;
  const body = {
    pong: `
class MyAgent(Agent):
    """Follows the ball: observation = [ball_x, ball_y, ball_vx, ball_vy, paddle0_y, paddle1_y, score0, score1]."""

    def act(self, observation):
        ball_y = float(observation[1])
        paddle_y = float(observation[4 + self.player_id])
        if ball_y < paddle_y - 0.02:
            return 0  # UP
        if ball_y > paddle_y + 0.02:
            return 2  # DOWN
        return 1  # STAY
`,
    masked: `
class MyAgent(Agent):
    """Plays a random legal move: observation["action_mask"][a] == 1 when action a is legal."""

    def act(self, observation):
        legal = [a for a, ok in enumerate(observation["action_mask"]) if ok]
        return random.choice(legal)
`,
    discrete: `
class MyAgent(Agent):
    """Plays a random action."""

    def act(self, observation):
        return random.randrange(${env.actionSpace.type === "discrete" ? env.actionSpace.n : 1})
`,
  }[kind(env)];
  return `${head}${body}

def create_agent(player_id):
    return MyAgent(player_id)
`;
}

function nodeSource(env: EnvironmentDescription): string {
  const head = `// Starter agent for ${env.name} (${env.id}). Run it locally with:
//   npx rl-arena-env match ${env.id} . builtin:<opponent>
// The platform calls act(observation, info, ctx) every step; ctx.player is your seat.
// console.log goes to your agent's log (stderr), never to the protocol.
`;
  const body = {
    pong: `
/** Follows the ball: observation = [ball_x, ball_y, ball_vx, ball_vy, paddle0_y, paddle1_y, score0, score1]. */
export default function act(observation, info, ctx) {
  const ballY = observation[1];
  const paddleY = observation[4 + ctx.player];
  if (ballY < paddleY - 0.02) return 0; // UP
  if (ballY > paddleY + 0.02) return 2; // DOWN
  return 1; // STAY
}
`,
    masked: `
/** Plays a random legal move: observation.action_mask[a] === 1 when action a is legal. */
export default function act(observation) {
  const legal = observation.action_mask.flatMap((ok, a) => (ok ? [a] : []));
  return legal[Math.floor(Math.random() * legal.length)];
}
`,
    discrete: `
/** Plays a random action. */
export default function act() {
  return Math.floor(Math.random() * ${env.actionSpace.type === "discrete" ? env.actionSpace.n : 1});
}
`,
  }[kind(env)];
  return head + body;
}

/** The action rule of a raw starter, in Python: pong follows the ball, board games play a random legal move. */
function rawPythonChoice(env: EnvironmentDescription): string {
  return {
    pong: `    """observation = [ball_x, ball_y, ball_vx, ball_vy, paddle0_y, paddle1_y, score0, score1]"""
    ball_y, paddle_y = observation[1], observation[4 + player]
    if ball_y < paddle_y - 0.02:
        return 0  # UP
    if ball_y > paddle_y + 0.02:
        return 2  # DOWN
    return 1  # STAY`,
    masked: `    """observation["action_mask"][a] == 1 when action a is legal"""
    return random.choice([a for a, ok in enumerate(observation["action_mask"]) if ok])`,
    discrete: `    return random.randrange(${env.actionSpace.type === "discrete" ? env.actionSpace.n : 1})`,
  }[kind(env)];
}

function rawPythonSource(env: EnvironmentDescription): string {
  return `"""Starter agent for ${env.name} (${env.id}) that speaks the RL-Arena protocol itself: one JSON
object per line on stdin (init, step, end) and one answer per line on stdout. Run it locally with:

    npx rl-arena-env match ${env.id} . builtin:<opponent>

stdout belongs to the protocol: log with print(..., file=sys.stderr).
"""
import json
import random
import sys


def choose(observation, player):
${rawPythonChoice(env)}


player = 0
for line in sys.stdin:
    message = json.loads(line)
    if message["type"] == "init":
        player = message["player"]
        random.seed(message["seed"])
        print(json.dumps({"ready": True}), flush=True)
    elif message["type"] == "step":
        print(json.dumps({"action": choose(message["observation"], player)}), flush=True)
    elif message["type"] == "end":
        print("result:", message["result"], file=sys.stderr)
        break
`;
}

function rawNodeSource(env: EnvironmentDescription): string {
  const choice = {
    pong: `  // observation = [ball_x, ball_y, ball_vx, ball_vy, paddle0_y, paddle1_y, score0, score1]
  const ballY = observation[1];
  const paddleY = observation[4 + player];
  if (ballY < paddleY - 0.02) return 0; // UP
  if (ballY > paddleY + 0.02) return 2; // DOWN
  return 1; // STAY`,
    masked: `  // observation.action_mask[a] === 1 when action a is legal
  const legal = observation.action_mask.flatMap((ok, a) => (ok ? [a] : []));
  return legal[Math.floor(Math.random() * legal.length)];`,
    discrete: `  return Math.floor(Math.random() * ${env.actionSpace.type === "discrete" ? env.actionSpace.n : 1});`,
  }[kind(env)];
  return `// Starter agent for ${env.name} (${env.id}) that speaks the RL-Arena protocol itself: one JSON
// object per line on stdin (init, step, end) and one answer per line on stdout. Run it with:
//   npx rl-arena-env match ${env.id} . builtin:<opponent>
// stdout belongs to the protocol: log with console.error.
import { createInterface } from "node:readline";

function choose(observation, player) {
${choice}
}

const send = (answer) => process.stdout.write(JSON.stringify(answer) + "\\n");
let player = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line);
  if (message.type === "init") {
    player = message.player;
    send({ ready: true });
  } else if (message.type === "step") {
    send({ action: choose(message.observation, player) });
  } else if (message.type === "end") {
    console.error("result:", JSON.stringify(message.result));
    break;
  }
}
`;
}

function readme(dir: string, lang: StarterLanguage, entry: string, env: EnvironmentDescription): string {
  const name = basename(resolve(dir));
  const python = lang === "python" || lang === "stdio-python";
  const stdio = lang.startsWith("stdio-");
  return `# ${name}: a ${python ? "Python" : "JavaScript"} agent for ${env.name}

${stdio
    ? `\`${entry}\` speaks the protocol itself (\`agent.json\` says \`"protocol": "stdio"\` and the
\`command\` that starts it): it reads one JSON object per line on stdin and answers on stdout.
It already plays legal moves; make it smarter. Any interpreter the platform offers works the
same way (\`GET /api/v1/runtimes\` lists them).`
    : `\`${entry}\` is the entry point named in \`agent.json\`. It already plays legal moves; make it smarter.`}

Try it against a built-in opponent (\`npx rl-arena-env list\` shows them):

    npx rl-arena-env match ${env.id} . builtin:<name> --games 10 --out replay.html

Upload: zip this folder (or upload \`${entry}\` alone) on the ${env.id} page of RL-Arena.
Limits per step: 1 s plus a 60 s time bank for the whole match; starting up (imports, loading
weights) must finish within 10 s. Anything printed goes to your log, which only you can read.
${lang === "python" ? "Observations are numpy arrays when numpy is installed, lists otherwise.\n" : ""}${stdio ? "Print only protocol answers on stdout; everything else goes to stderr.\n" : ""}`;
}
