/**
 * Every command the READMEs show (root, k8s/, bench/, sql/), run here as written where this
 * machine can, or listed below with the reason it cannot. The commands are read from the
 * files: each line of a ```sh block (its trailing `# comment` dropped) and each inline code
 * span that starts with a command. A command that is neither run nor listed fails the first
 * test, and so does a listed one no README shows any more, so the lists cannot rot.
 * env/README.md's commands are run by pages_commands.test.ts.
 *
 * The platform commands run in this checkout with their own PORT, DATA_DIR (a fresh folder) and
 * EMBEDDED_PG_PORT, and a user's environment (no test runner variables, npm offline).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/paths.ts";
import { freePort } from "../helpers/ports.ts";
import { processesMatching, waitFor } from "../helpers/processes.ts";

const READMES = ["README.md", "k8s/README.md", "bench/README.md", "sql/README.md"];
const STARTS = ["npm", "npx", "node", "kubectl", "docker", "curl", "psql", "git", "apt-get", "bash", "openssl", "helm", "kind", "wrk", "rl-arena-env", "python3", "tsx", "make", "sudo"];

/** The shell commands of a Markdown text: lines of ```sh/bash/shell blocks, then inline code that starts with a command. */
function commandsOf(markdown: string): string[] {
  const commands: string[] = [];
  const prose = markdown.replace(/^```(\w*)\n([\s\S]*?)^```$/gm, (_, lang: string, body: string) => {
    if (["sh", "bash", "shell", "console"].includes(lang)) {
      for (const line of body.split("\n")) {
        const command = line.replace(/\s+#\s.*$/, "").trim();
        if (command && !command.startsWith("#")) commands.push(command);
      }
    }
    return "";
  });
  const inline = new RegExp("`((?:" + STARTS.map((s) => s.replace(/[-]/g, "\\-")).join("|") + ") [^`]*)`", "g");
  for (const m of prose.matchAll(inline)) commands.push(m[1]);
  return commands;
}

/** Run by the tests below (the value says which). */
const RUN: Record<string, string> = {
  "npm install && npm start": "npm start",
  "npm run psql -- -c 'select 1'": "npm start",
  "npm run psql -- --url": "npm start",
  "npm run psql": "npm start",
  "npm run psql -- -c \"select grant_admin('alice')\"": "npm start",
  "npm run migrate": "npm start",
  "node --import tsx src/migrate_main.ts": "npm start",
  "npm run dev": "npm run dev",
  "npm run check": "npm run check",
  "npm test -- pong": "npm test -- pong",
  "node --import tsx bench/replay_size.ts": "bench (with --seeds 2: the full run takes half a minute)",
  "node env/bin/build.js": "bench",
  "rl-arena-env match pong builtin:pong-tracker builtin:pong-random --seed 1 --json": "bench",
};

const BENCH = "a benchmark: minutes of load whose figures mean something only on a quiet machine (bench/README.md keeps them); replay_size stands for the form";
const CLUSTER = "needs a Kubernetes cluster (none here); the manifests are checked against their schemas by tests/k8s_manifests and the executor against a fake API server";
/** Shown but not run here, with the reason. */
const NOT_RUN: Record<string, string> = {
  "npm test": "the whole suite, of which this file is a part: .ci/run runs exactly this",
  "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm test": "the whole suite against the machine's PostgreSQL: .ci/run runs exactly this when 127.0.0.1:5432 answers",
  "npm run bench": "every benchmark, one after another: " + BENCH,
  "npm run bench -- <part of a name>": "a placeholder (<part of a name>); the filter is bench/run.ts's and every file it selects is listed here",
  "node --import tsx bench/<file>.ts": "a placeholder (<file>)",
  "apt-get install bubblewrap": "installs a Debian package as root; .ci/run installs it, and the sandbox tests use it",
  "apt-get install -y wrk": "installs a Debian package as root, for api_leaderboard's benchmark only",
  "wrk -t2 -c100 --latency": "wrk's flags as bench/api_leaderboard.ts passes them, not a command of its own",
  "node --import tsx bench/env_pong_steps.ts": BENCH,
  "node --import tsx bench/ranking_ceiling.ts [agents=100] [spread=250] [reps=400]": "a benchmark of the model alone (a Monte Carlo, no database); its figures are in bench/README.md",
  "node --import tsx bench/referee_overhead.ts [steps=2000] [rounds=11]": BENCH,
  "node --import tsx bench/referee_cli_match.ts [runs=3]": BENCH,
  "node --import tsx bench/api_leaderboard.ts [agents=3000] [seconds=20] [connections=100]": BENCH + " (and needs wrk)",
  "node --import tsx bench/executor_matches.ts 6 2 60": BENCH,
  "node --import tsx bench/web_pages.ts": BENCH,
  "node --import tsx bench/sql_leaderboard.ts [agents=30000] [repetitions=20]": BENCH,
  "node --import tsx bench/sql_pair_agents.ts [agents=100000] [runs=3]": BENCH,
  "node --import tsx bench/sql_pair_agents_phases.ts 100000 3": BENCH,
  "node --import tsx bench/sql_finish_match.ts [matches=5000] [concurrency=16]": BENCH,
  "BENCH_NO_REPLAY=1 node --import tsx bench/sql_finish_match.ts 3000 16": BENCH,
  "node --import tsx bench/sql_finish_match.ts": BENCH,
  "BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/sql_finish_match.ts": BENCH,
  "BENCH_NO_NOTIFY=1 node --import tsx bench/sql_finish_match.ts": BENCH,
  "node --import tsx bench/sql_ranking_quality.ts [agents=100] [runs=3] [spread=250] [seatAdvantage=0] [tick=10]": BENCH,
  "BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/sql_ranking_quality.ts 100 5 350": BENCH,
  "BENCH_SEAT_SWAP=1 node --import tsx bench/sql_ranking_quality.ts 100 3 350 100": BENCH,
  "docker build -t ghcr.io/<you>/rl-arena:<version> .": "placeholders (<you>, <version>); the image is built and run by tests/system/docker_image where docker works",
  "node /app/env/bin/rl-arena-builtin.js <name>": "a path inside the Docker image, with a placeholder (<name>)",
  "kubectl -n rl-arena-builds create secret docker-registry registry-credentials --docker-server=registry.example.com --docker-username=… --docker-password=…": CLUSTER,
  "kubectl apply -f k8s/base/build-namespace.yaml": CLUSTER,
  "kubectl create namespace rl-arena": CLUSTER,
  "kubectl -n rl-arena create secret generic rl-arena --from-literal=DATABASE_URL='postgres://…' --from-literal=JWT_SECRET=\"$(openssl rand -base64 48)\" --from-literal=METRICS_TOKEN=\"$(openssl rand -hex 24)\"": CLUSTER,
  "kubectl apply -k k8s/base": CLUSTER,
  "kubectl -n rl-arena get pods": CLUSTER,
  "kubectl -n rl-arena logs job/rl-arena-migrate": CLUSTER,
};

const work = mkdtempSync(join(tmpdir(), "rla-readme-"));
const dataDir = join(work, "data");
const pgPort = await freePort();

/** A user's shell: no test runner or npm-run variables; npm offline, so nothing is downloaded. */
const userEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] =>
    e[1] !== undefined && !/^(npm_|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$|RLA_|TEST_|DATABASE_URL$|PORT$|DATA_DIR$|EMBEDDED_PG_PORT$|JWT_SECRET$|NODE_ENV$)/i.test(e[0])),
);
Object.assign(userEnv, {
  npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false",
  DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PATH: `${join(PROJECT_ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
});

/** Runs `command` with bash -e in the checkout; resolves with its stdout, rejects showing both streams. */
function shell(command: string, input?: string, timeout = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("bash", ["-e", "-c", command], { cwd: PROJECT_ROOT, env: userEnv, encoding: "utf8", timeout, maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`$ ${command}\n(exit ${(error as { code?: unknown }).code})\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`));
      else resolve(stdout);
    });
    child.stdin!.end(input ?? "");
  });
}

/** Starts a long-running command in its own process group; `stop()` sends SIGTERM to the group and waits for the end. */
function background(command: string, env: Record<string, string>): { output(): string; exited(): boolean; stop(): Promise<number | null> } {
  let out = "";
  const child: ChildProcess = spawn("bash", ["-c", command], { cwd: PROJECT_ROOT, env: { ...userEnv, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => { out += d; });
  child.stderr!.on("data", (d) => { out += d; });
  const ended = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    output: () => out,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      try { process.kill(-child.pid!, "SIGTERM"); } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, 20_000);
      const code = await ended;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Starts `command`, waits until its /ready answers 200, runs `during`, then stops it and checks that nothing it started is left. */
async function platformRun(command: string, during: (url: string) => Promise<void>): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const run = background(command, { PORT: String(port) });
  try {
    await waitFor(async () => {
      if (run.exited()) throw new Error(`${command} ended before it was ready:\n${run.output().slice(-4000)}`);
      return (await fetch(url + "/ready").catch(() => null))?.status === 200;
    }, 150_000, () => `${command} to answer /ready:\n${run.output().slice(-3000)}`);
    await during(url);
  } finally {
    await run.stop();
  }
  await waitFor(() => processesMatching(dataDir).length === 0, 20_000, () => `the processes of ${command} (its PostgreSQL on ${dataDir}) to end: ${processesMatching(dataDir)}`);
}

test.after(() => rmSync(work, { recursive: true, force: true }));

test("every command in the READMEs is either run by this file or listed with the reason it is not", () => {
  const shown = new Set(READMES.flatMap((file) => commandsOf(readFileSync(join(PROJECT_ROOT, file), "utf8"))));
  const unaccounted = [...shown].filter((c) => !(c in RUN) && !(c in NOT_RUN));
  assert.equal(unaccounted, [], `commands neither run nor listed (add a run below or a reason to NOT_RUN):\n${unaccounted.join("\n")}`);
  const stale = [...Object.keys(RUN), ...Object.keys(NOT_RUN)].filter((c) => !shown.has(c));
  assert.equal(stale, [], `listed commands no README shows any more:\n${stale.join("\n")}`);
  assert.ok(shown.size > 30, `the READMEs were read (${shown.size} commands)`);
});

test("`npm install && npm start` serves the platform with the demo agents; psql and migrate work on its database meanwhile", async () => {
  await platformRun("npm install && npm start", async (url) => {
    await waitFor(async () => {
      const agents = await (await fetch(url + "/api/v1/agents")).json() as { total?: number; agents?: unknown[] };
      return (agents.agents?.length ?? 0) > 0;
    }, 30_000, "the demo agents");
    assert.match(await shell("npm run psql -- -c 'select 1'"), /^\s+1\s*$/m);
    assert.match(await shell("npm run psql -- --url"), new RegExp(`postgres://[^\\s]*:${pgPort}/`));
    assert.match(await shell("npm run psql", "select 40 + 2 as answer;\n"), /\b42\b/);
    const alice = await fetch(url + "/api/v1/auth/register", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", email: "alice@example.test", password: "correct horse battery" }),
    });
    assert.is(alice.status, 201, await alice.clone().text());
    await shell("npm run psql -- -c \"select grant_admin('alice')\"");
    assert.match(await shell("npm run psql -- -At -c \"select role from users where username = 'alice'\""), /^admin$/m, "grant_admin made alice an admin");
    await shell("npm run migrate");
    await shell("node --import tsx src/migrate_main.ts");
  });
});

test("`npm run dev` starts the platform from source on the same data folder and stops on SIGTERM", async () => {
  await platformRun("npm run dev", async (url) => {
    assert.is((await fetch(url + "/")).status, 200);
  });
});

test("`npm run check` type-checks the checkout", async () => {
  await shell("npm run check", undefined, 180_000);
});

test("`npm test -- pong` runs the pong test files and passes", async () => {
  const out = await shell("npm test -- pong", undefined, 180_000);
  assert.match(out, /pong_env\.test\.ts/);
  assert.match(out, /^\d+ passed, 0 failed$/m);
});

test("bench/README: the replay size benchmark (2 seeds), the player build and the CLI match it quotes run", async () => {
  assert.match(await shell("node --import tsx bench/replay_size.ts --seeds 2"), /smaller/);
  await shell("node env/bin/build.js");
  const match = JSON.parse(await shell("rl-arena-env match pong builtin:pong-tracker builtin:pong-random --seed 1 --json")) as Record<string, unknown>;
  assert.ok(typeof match === "object" && match !== null, "the match prints JSON");
});

test.run();
