import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES } from "./fixtures/processes.ts";

const CLI = new URL("../bin/rl-arena-env.js", import.meta.url).pathname;
const AGENTS = join(FIXTURES, "agents");
const work = mkdtempSync(join(tmpdir(), "rla-cli-"));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("a JavaScript agent and an original-style Python agent play a full pong match through the CLI", () => {
  const out = join(work, "full.json");
  const logs = join(work, "logs");
  const r = cli("match", "pong", join(AGENTS, "js_original.mjs"), join(AGENTS, "py_original_create.py"), "--seed", "5", "--out", out, "--logs", logs);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /js_original\s+\d+\s+\d+\s+\d+\s+0\s+[\d.]+/);
  assert.match(r.out, /py_original_create\s+\d+\s+\d+\s+\d+\s+0\s+[\d.]+/);
  assert.match(r.out, /1 game in [\d.]+ s; end reasons: completed 1/);
  const replay = JSON.parse(readFileSync(out, "utf8"));
  assert.is(replay.result.end_reason, "completed");
  assert.is(replay.result.total_steps, 1000, "pong's default max_steps: a full match");
  assert.is(replay.steps.length, 1001);
  assert.equal(replay.players.map((p: { name: string }) => p.name), ["js_original", "py_original_create"]);
  const files = readdirSync(logs).sort();
  assert.equal(files, ["game1-seat0-js_original.log", "game1-seat1-py_original_create.log"]);
  assert.match(readFileSync(join(logs, files[0]!), "utf8"), /js agent: player 0, observation is an array/);
  assert.match(readFileSync(join(logs, files[1]!), "utf8"), /py agent: player 1, observation type ndarray float32/);
});

test("match --out replay.html and replay --out write self-contained HTML players", () => {
  const html = join(work, "m.html");
  const m = cli("match", "connect-four", "builtin:connect-four-heuristic", "builtin:connect-four-random", "--seed", "2", "--out", html);
  assert.is(m.code, 0, m.err);
  const page = readFileSync(html, "utf8");
  assert.match(page, /^<!doctype html>/i);
  assert.not.match(page, /<script[^>]+src=/i, "no external scripts");
  const json = join(work, "m.json");
  assert.is(cli("match", "pong", "builtin:pong-tracker", "builtin:pong-random", "--config", '{"max_steps":50}', "--out", json).code, 0);
  const out = join(work, "r.html");
  const r = cli("replay", json, "--out", out);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /wrote .*r\.html \(51 frames\)/);
  assert.match(readFileSync(out, "utf8"), /^<!doctype html>/i);
  const bad = cli("replay", html, "--out", out);
  assert.is(bad.code, 1);
  assert.match(bad.err, /Invalid replay at \(root\): not valid JSON/);
});

test("several games alternate seats and the summary counts wins, draws and losses per agent", () => {
  const r = cli("match", "tic-tac-toe", "builtin:tictactoe-heuristic", "builtin:tictactoe-random", "--games", "4", "--seed", "1", "--json");
  assert.is(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.is(doc.games.length, 4);
  assert.equal(doc.games[1].players, ["builtin:tictactoe-random", "builtin:tictactoe-heuristic"]);
  const [heuristic, random] = doc.summary;
  assert.is(heuristic.wins + heuristic.draws + heuristic.losses, 4);
  assert.is(heuristic.wins, random.losses);
  assert.is(heuristic.losses, 0, "the heuristic never loses to random play");
});

test("an agent folder with agent.json is found and run", () => {
  const r = cli("match", "pong", join(AGENTS, "js_folder"), "builtin:pong-random", "--config", '{"max_steps":20}');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /js_folder/);
  assert.match(r.out, /completed 1/);
});

test("new-agent writes Python and Node starters that play legal moves to the end", () => {
  for (const [lang, env, opponent] of [["python", "pong", "builtin:pong-tracker"], ["node", "connect-four", "builtin:connect-four-random"], ["python", "tic-tac-toe", "builtin:tictactoe-random"]] as const) {
    const dir = join(work, `starter-${lang}-${env}`);
    const made = cli("new-agent", dir, "--lang", lang, "--env", env);
    assert.is(made.code, 0, made.err);
    const manifest = JSON.parse(readFileSync(join(dir, "agent.json"), "utf8"));
    assert.is(manifest.language, lang);
    assert.ok(existsSync(join(dir, manifest.entry)) && existsSync(join(dir, "README.md")));
    const r = cli("match", env, dir, opponent, "--games", "2", "--config", env === "pong" ? '{"max_steps":100}' : "{}");
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /end reasons: completed 2/, `${lang} ${env}: ${r.out}${r.err}`);
  }
});

test("new-agent refuses to overwrite an existing agent", () => {
  const dir = join(work, "twice");
  assert.is(cli("new-agent", dir, "--lang", "node", "--env", "pong").code, 0);
  const r = cli("new-agent", dir, "--lang", "node", "--env", "pong");
  assert.is(r.code, 1);
  assert.match(r.err, /already exists/);
});

test("list and describe show the environments and the built-in agents", () => {
  const list = cli("list");
  assert.is(list.code, 0);
  assert.match(list.out, /pong\s+1\.0\.0\s+2/);
  assert.match(list.out, /pong-tracker\s+pong/);
  const d = cli("describe", "pong", "--json");
  assert.is(JSON.parse(d.out).actionSpace.n, 3);
});

test("bad input gets a clear message and a non-zero exit code", () => {
  const unknownEnv = cli("match", "chess", "builtin:pong-random", "builtin:pong-random");
  assert.is(unknownEnv.code, 1);
  assert.match(unknownEnv.err, /"chess" is not registered\. Available environments: connect-four, pong, tic-tac-toe/);
  const missing = cli("match", "pong", join(work, "nope.py"), "builtin:pong-random");
  assert.is(missing.code, 1);
  assert.match(missing.err, /nope\.py" does not exist/);
  const usage = cli("match", "pong");
  assert.is(usage.code, 2);
  assert.match(usage.err, /match needs <env> <agentA> <agentB>/);
  const games = cli("match", "pong", "builtin:pong-random", "builtin:pong-random", "--games", "0");
  assert.is(games.code, 2);
  assert.match(games.err, /--games must be an integer ≥ 1, got "0"/);
});

test("several games with --out write one numbered replay per game and say so", () => {
  const out = join(work, "several", "r.html");
  const r = cli("match", "tic-tac-toe", "builtin:tictactoe-heuristic", "builtin:tictactoe-random", "--games", "3", "--seed", "1", "--out", out);
  assert.is(r.code, 0, r.err);
  assert.ok(r.out.includes(`replays (one per game): ${join(work, "several", "r-1.html")} … ${join(work, "several", "r-3.html")}`), r.out);
  assert.equal(readdirSync(join(work, "several")).sort(), ["r-1.html", "r-2.html", "r-3.html"]);
  const json = cli("match", "tic-tac-toe", "builtin:tictactoe-heuristic", "builtin:tictactoe-random", "--games", "2", "--out", join(work, "j.json"), "--json");
  assert.equal(JSON.parse(json.out).games.map((g: { replay: string }) => g.replay), [join(work, "j-1.json"), join(work, "j-2.json")]);
});

test("output into a pipe its reader closed (describe pong | head) ends quietly, without an EPIPE stack", async () => {
  const child = spawn(process.execPath, [CLI, "describe", "pong"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy(); // the reader is gone before the CLI writes its first line
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((resolve) => child.on("close", resolve));
  assert.is(err, "");
  assert.is(code, 0);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
