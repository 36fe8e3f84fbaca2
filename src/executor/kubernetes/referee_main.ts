/**
 * The referee container of a match pod (match_job.ts).
 *
 * 1. Reads the match from RLA_MATCH and the result nonce from RLA_RESULT_NONCE.
 * 2. Runs rl-arena-env's runMatch, launching one bridge process per seat
 *    (bridge_main.ts attach /io/agent-i) in place of a local agent process.
 * 3. Prints the framed payload (outcome, replay, stderr of each seat) on its stdout and writes
 *    the outcome summary to its termination message (result.ts); exits 0.
 * 4. On a platform failure writes `{"v":1,"error":…}` as the termination message and exits 1.
 *
 * RLA_TERMINATION_LOG (default /dev/termination-log) and RLA_BRIDGE_ENTRY (default the
 * bridge next to this file) exist so the same entry can be exercised outside Kubernetes.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
// rl-arena-env does not export runMatch from its index yet; the workspace source is the same code.
import { runMatch } from "../../../env/src/referee.ts";
import { frameFailure, frameResult } from "./result.ts";
import { ENV_MATCH, ENV_NONCE, type RefereeMatchConfig } from "./match_job.ts";

const terminationLog = process.env.RLA_TERMINATION_LOG ?? "/dev/termination-log";
const bridgeEntry = process.env.RLA_BRIDGE_ENTRY ?? fileURLToPath(new URL("./bridge_main.ts", import.meta.url));

async function main(): Promise<void> {
  const raw = process.env[ENV_MATCH];
  const nonce = process.env[ENV_NONCE];
  if (!raw || !nonce) throw new Error(`${ENV_MATCH} and ${ENV_NONCE} must both be set`);
  const config = JSON.parse(raw) as RefereeMatchConfig;
  if (!Array.isArray(config.io) || config.io.length !== config.players.length) {
    throw new Error(`RLA_MATCH names ${config.players?.length} players but ${config.io?.length} FIFO folders`);
  }
  const limits = config.limits;
  const result = await runMatch({
    env: { id: config.environment.id, config: config.environment.config },
    seed: config.seed,
    agents: config.players.map((p) => ({
      name: p.name,
      command: "bridge", // replaced by the launch hook below
      args: [],
      agent_id: p.agent_id,
      submission_id: p.submission_id,
      version: String(p.version),
    })),
    limits: {
      initTimeoutMs: limits.initTimeoutS * 1000,
      stepTimeoutMs: limits.stepTimeoutS * 1000,
      timeBankMs: limits.timeBankS * 1000,
      stderrCapBytes: limits.stderrCapBytes,
    },
    launch: (_spec, player) => ({
      command: process.execPath,
      // execArgv carries `--import tsx` when the referee itself runs from TypeScript.
      args: [
        ...process.execArgv,
        bridgeEntry,
        "attach",
        config.io[player],
        "--open-timeout-ms",
        String(limits.initTimeoutS * 1000),
        "--stderr-cap-bytes",
        String(limits.stderrCapBytes),
      ],
      env: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
    }),
  });
  const { lines, terminationMessage } = frameResult({ outcome: result.outcome, replay: result.replay, logs: result.logs }, nonce);
  await writeAll(lines.join("\n") + "\n");
  writeFileSync(terminationLog, terminationMessage);
  process.stderr.write(`rl-arena referee: match ${config.matchId} ended: ${result.outcome.end_reason}, winner ${result.outcome.winner}\n`);
}

function writeAll(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

try {
  await main();
  process.exit(0);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rl-arena referee: platform failure: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
  try {
    writeFileSync(terminationLog, frameFailure(message));
  } catch {
    // nothing more we can do; the worker sees a failed Job without a message
  }
  process.exit(1);
}
