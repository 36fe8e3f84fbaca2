/**
 * Agents that speak the protocol themselves (agent.json `{"protocol": "stdio", "command": …}`):
 * the README's two complete raw agents and the `new-agent --lang stdio-*` starters play real
 * matches through the CLI, as separate processes, with no runner around them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentSpecFromPath } from "../src/referee_agents.ts";

const CLI = new URL("../bin/rl-arena-env.js", import.meta.url).pathname;
const README = new URL("../README.md", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "rla-raw-"));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The README's code blocks fenced as ```python bot.py / ```js bot.mjs. */
function readmeAgents(): Array<{ lang: string; file: string; code: string }> {
  return [...readFileSync(README, "utf8").matchAll(/```(python|js) (bot\.\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, file: m[2]!, code: m[3]! }));
}

test("the README shows one complete raw agent in Python and one in JavaScript, and both play pong to the end", () => {
  const agents = readmeAgents();
  assert.equal(agents.map((a) => a.file), ["bot.py", "bot.mjs"]);
  for (const a of agents) {
    assert.not.match(a.code, /^(import|from) .*rl[-_]arena/m, "a raw agent uses no SDK");
    const dir = join(work, `readme-${a.lang}`);
    mkdirSync(dir);
    writeFileSync(join(dir, a.file), a.code);
    writeFileSync(join(dir, "agent.json"), JSON.stringify({ protocol: "stdio", command: [a.lang === "python" ? "python3" : "node", a.file] }));
    const logs = join(work, `logs-${a.lang}`);
    const r = cli("match", "pong", dir, "builtin:pong-tracker", "--seed", "3", "--config", '{"max_steps":300}', "--logs", logs);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /end reasons: completed 1/, `${a.file}: ${r.out}${r.err}`);
    assert.match(r.out, new RegExp(`readme-${a.lang}\\s+\\d+\\s+\\d+\\s+\\d+\\s+0\\s`), "no fault");
    assert.match(readFileSync(join(logs, `game1-seat0-readme-${a.lang}.log`), "utf8"), /result:/, "the end message reached the agent");
  }
});

test("new-agent --lang stdio-python|stdio-node writes raw starters that play legal moves to the end", () => {
  for (const [lang, env, opponent] of [["stdio-python", "pong", "builtin:pong-tracker"], ["stdio-node", "pong", "builtin:pong-random"], ["stdio-node", "connect-four", "builtin:connect-four-random"], ["stdio-python", "tic-tac-toe", "builtin:tictactoe-random"]] as const) {
    const dir = join(work, `starter-${lang}-${env}`);
    const made = cli("new-agent", dir, "--lang", lang, "--env", env);
    assert.is(made.code, 0, made.err);
    const manifest = JSON.parse(readFileSync(join(dir, "agent.json"), "utf8"));
    const entry = lang === "stdio-python" ? "main.py" : "main.mjs";
    assert.equal(manifest, { protocol: "stdio", command: [lang === "stdio-python" ? "python3" : "node", entry], environment: env });
    assert.not.match(readFileSync(join(dir, entry), "utf8"), /^(import|from) .*rl[-_]arena/m, "the starter speaks the protocol itself, no SDK");
    assert.match(readFileSync(join(dir, "README.md"), "utf8"), /speaks the protocol itself/);
    const r = cli("match", env, dir, opponent, "--games", "2", "--config", env === "pong" ? '{"max_steps":100}' : "{}");
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /end reasons: completed 2/, `${lang} ${env}: ${r.out}${r.err}`);
  }
});

test("new-agent names the languages it knows", () => {
  const r = cli("new-agent", join(work, "nope"), "--lang", "go", "--env", "pong");
  assert.is(r.code, 2);
  assert.match(r.err, /--lang must be python, node, stdio-python, stdio-node/);
});

test("a stdio agent folder runs its command as is, in its folder; a bad agent.json is named", () => {
  const dir = join(work, "spec");
  mkdirSync(dir);
  writeFileSync(join(dir, "agent.json"), JSON.stringify({ protocol: "stdio", command: ["./bin/bot", "--fast"] }));
  assert.equal(agentSpecFromPath(dir), { name: "spec", command: join(dir, "bin/bot"), args: ["--fast"], cwd: dir, env: undefined });
  writeFileSync(join(dir, "agent.json"), JSON.stringify({ protocol: "stdio", command: ["node", "bot.mjs"] }));
  assert.is(agentSpecFromPath(dir).command, process.execPath, "node is the one running the other agents");
  writeFileSync(join(dir, "agent.json"), JSON.stringify({ protocol: "stdio", command: "python3 bot.py" }));
  assert.throws(() => agentSpecFromPath(dir), /"command" must be a non-empty array of strings such as \["python3", "bot\.py"\], got "python3 bot\.py"/);
  writeFileSync(join(dir, "agent.json"), JSON.stringify({ protocol: "http", command: ["x"] }));
  assert.throws(() => agentSpecFromPath(dir), /"protocol" must be "stdio"/);
});

test.run();
