/**
 * The files an agent process needs besides its own code, prepared once per version of
 * rl-arena-env and mounted read-only in the sandbox at /opt/rl-arena:
 *
 *   agent-runner.mjs     serves a JavaScript agent module (bundle of env/src/sdk.ts)
 *   builtin-runner.mjs   serves a built-in policy by name (bundle of env/src/sdk_builtin.ts)
 *   node_modules/rl-arena-env/   the package itself, so `import … from "rl-arena-env"` works
 *   python/              rl_arena_launch.py, rl_arena_agent.py and the rl_arena shim
 *
 * Bundles load in a few milliseconds with plain node (no tsx, no node_modules), which is what
 * keeps a sandboxed match fast. They are built with esbuild into DATA_DIR/runtime/<hash>,
 * where the hash covers every source file, so an upgrade rebuilds and old folders stay valid
 * for matches still running.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../paths.ts";

export interface AgentRuntime {
  /** Host folder holding everything below; mounted at RUNTIME_MOUNT in the sandbox. */
  dir: string;
  nodeRunner: string;
  builtinRunner: string;
  /** Host folder whose `rl-arena-env` child is the package; mounted at /node_modules. */
  nodeModules: string;
  pythonDir: string;
  pythonLauncher: string;
}

/** Where the runtime appears inside the sandbox. */
export const RUNTIME_MOUNT = "/opt/rl-arena";

const ENV_ROOT = join(PROJECT_ROOT, "env");
const LAYOUT_VERSION = "1";

let cached: Promise<AgentRuntime> | null = null;

/** Builds (or finds) the runtime for the current sources under `dataDir`/runtime. Memoised per process. */
export function prepareRuntime(dataDir: string): Promise<AgentRuntime> {
  cached ??= build(dataDir).catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}

/** The same paths as seen inside the sandbox. */
export function runtimeInside(): Omit<AgentRuntime, "dir"> & { dir: string } {
  return layout(RUNTIME_MOUNT);
}

function layout(dir: string): AgentRuntime {
  return {
    dir,
    nodeRunner: join(dir, "agent-runner.mjs"),
    builtinRunner: join(dir, "builtin-runner.mjs"),
    nodeModules: join(dir, "node_modules"),
    pythonDir: join(dir, "python"),
    pythonLauncher: join(dir, "python", "rl_arena_launch.py"),
  };
}

async function build(dataDir: string): Promise<AgentRuntime> {
  const hash = sourceHash();
  const finalDir = join(dataDir, "runtime", hash);
  if (existsSync(join(finalDir, "complete"))) return layout(finalDir);
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    throw new Error("esbuild is needed once to bundle the agent runtime (npm install esbuild), and it is not installed");
  }
  const tmp = `${finalDir}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  mkdirSync(tmp, { recursive: true });
  try {
    const src = join(ENV_ROOT, "src");
    const common = {
      bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "silent", legalComments: "none",
      banner: { js: "import { createRequire as __rlaCreateRequire } from 'node:module'; const require = __rlaCreateRequire(import.meta.url);" },
    } as const;
    const entry = (contents: string, outfile: string) => esbuild.build({ ...common, stdin: { contents, resolveDir: src, sourcefile: "rl-arena-runtime-entry.ts", loader: "ts" }, outfile });
    await entry(`import { runAgentFile } from "./sdk.ts";
const file = process.argv[2];
if (!file) { process.stderr.write("usage: agent-runner <agent.js|agent.mjs>\\n"); process.exit(2); }
await runAgentFile(file);`, join(tmp, "agent-runner.mjs"));
    await entry(`import { runBuiltin } from "./sdk_builtin.ts";\nawait runBuiltin(process.argv[2]);`, join(tmp, "builtin-runner.mjs"));
    const pkg = join(tmp, "node_modules", "rl-arena-env");
    await esbuild.build({ ...common, entryPoints: { index: join(src, "index.ts") }, outdir: pkg, outExtension: { ".js": ".mjs" } });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "rl-arena-env", type: "module", exports: { ".": "./index.mjs" }, main: "./index.mjs" }) + "\n");
    cpSync(join(ENV_ROOT, "python"), join(tmp, "python"), { recursive: true, filter: (p) => !p.includes("__pycache__") });
    writeFileSync(join(tmp, "complete"), `${hash}\n`);
    makeReadable(tmp);
    try {
      renameSync(tmp, finalDir);
    } catch (e) {
      // Another process finished the same build first: theirs is identical.
      if (!existsSync(join(finalDir, "complete"))) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    // The runtime is built once per process: esbuild's service process need not stay behind.
    await esbuild.stop();
  }
  makeReadable(join(dataDir, "runtime"), false);
  return layout(finalDir);
}

/** Hash of every file of env/src and env/python (names and contents) plus our layout version. */
function sourceHash(): string {
  const h = createHash("sha256").update(LAYOUT_VERSION);
  for (const dir of ["src", "python"]) {
    for (const file of listFiles(join(ENV_ROOT, dir))) {
      h.update(relative(ENV_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  return h.digest("hex").slice(0, 16);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.name !== "__pycache__")
    .flatMap((d) => (d.isDirectory() ? listFiles(join(dir, d.name)) : d.isFile() ? [join(dir, d.name)] : []))
    .sort();
}

/** Sandboxed agents run as other uids: every folder must be 0755 and every file 0644. */
function makeReadable(path: string, recursive = true): void {
  const st = statSync(path);
  chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
  if (recursive && st.isDirectory()) for (const name of readdirSync(path)) makeReadable(join(path, name));
}
