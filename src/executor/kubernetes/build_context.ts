/**
 * The Kaniko build context of one submission, and the one-time HTTP server that hands it to
 * the build Job's `fetch-context` init container (see kaniko_job.ts for why HTTP).
 *
 * Context layout (what generateAgentDockerfile expects):
 *   Dockerfile                   generated for the language and entry
 *   agent/…                      the submission's unpacked, already validated files
 *   rl-arena/…                   our runtime: env/python for Python, runner.mjs for Node
 *   node_modules/rl-arena-env/   (Node only) the SDK bundled to one JavaScript file
 * A stdio agent (a program that speaks the protocol itself) gets only `Dockerfile` and
 * `agent/`; one with its own Dockerfile is its archive as is, that Dockerfile at the root.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create as createTar } from "tar";
import { PROJECT_ROOT } from "../../paths.ts";
import { NODE_RUNNER, generateAgentDockerfile } from "./agent_image.ts";
import type { AgentLanguage } from "./types.ts";

/** Where the Dockerfile's build stage puts the prepared runtime (see prepareAgentRuntime). */
export const DEFAULT_RUNTIME_DIR = join(PROJECT_ROOT, "dist", "agent-runtime");

/**
 * Prepares `outDir/python` and `outDir/node` (each holding `rl-arena/` and, for Node,
 * `node_modules/rl-arena-env/`). Needs esbuild, a dev dependency: run it when building the
 * image, before dev dependencies are pruned.
 */
export async function prepareAgentRuntime(outDir = DEFAULT_RUNTIME_DIR): Promise<void> {
  const py = join(outDir, "python", "rl-arena");
  mkdirSync(py, { recursive: true });
  cpSync(join(PROJECT_ROOT, "env", "python"), py, { recursive: true, filter: (src) => !src.includes("__pycache__") });
  const node = join(outDir, "node");
  const sdk = join(node, "node_modules", "rl-arena-env");
  mkdirSync(join(node, "rl-arena"), { recursive: true });
  mkdirSync(sdk, { recursive: true });
  const { build } = await import("esbuild");
  for (const [entry, out] of [["index", "index.js"], ["sdk", "sdk.js"]]) {
    await build({ entryPoints: [join(PROJECT_ROOT, "env", "src", `${entry}.ts`)], outfile: join(sdk, out), bundle: true, platform: "node", format: "esm", target: "node22", logLevel: "warning" });
  }
  writeFileSync(join(sdk, "package.json"), JSON.stringify({ name: "rl-arena-env", type: "module", exports: { ".": "./index.js", "./sdk": "./sdk.js" } }, null, 2) + "\n");
  writeFileSync(join(node, "rl-arena", NODE_RUNNER), `// Starts a JavaScript agent over the RL-Arena protocol (generated; see src/executor/kubernetes/build_context.ts).\nimport { runAgentFile } from "rl-arena-env/sdk";\nawait runAgentFile(process.argv[2]);\n`);
}

export interface BuildContextInput {
  language: AgentLanguage;
  entry: string;
  /** The submission's unpacked files. */
  codeDir: string;
  runtimeDir?: string;
  baseImage?: string;
  /** A stdio agent whose archive has its own Dockerfile at its root: the context is the archive itself. */
  ownDockerfile?: boolean;
}

/** Packs the context as tar.gz; returns the bytes and their SHA-256 (hex). */
export async function createBuildContext(input: BuildContextInput): Promise<{ tarball: Buffer; sha256: string }> {
  if (input.language === "stdio") return stdioContext(input);
  const runtime = join(input.runtimeDir ?? DEFAULT_RUNTIME_DIR, input.language);
  if (!existsSync(join(runtime, "rl-arena"))) throw new Error(`the agent runtime for ${input.language} is missing at ${runtime}; run prepareAgentRuntime() when building the image`);
  const stage = mkdtempSync(join(tmpdir(), "rla-context-"));
  try {
    writeFileSync(join(stage, "Dockerfile"), generateAgentDockerfile(input.language, input.entry, input.baseImage));
    cpSync(input.codeDir, join(stage, "agent"), { recursive: true, verbatimSymlinks: true });
    cpSync(runtime, stage, { recursive: true });
    return await packStage(stage, ["Dockerfile", "agent", "rl-arena", ...(input.language === "node" ? ["node_modules"] : [])]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function stdioContext(input: BuildContextInput): Promise<{ tarball: Buffer; sha256: string }> {
  const stage = mkdtempSync(join(tmpdir(), "rla-context-"));
  try {
    if (input.ownDockerfile) {
      cpSync(input.codeDir, stage, { recursive: true, verbatimSymlinks: true });
    } else {
      writeFileSync(join(stage, "Dockerfile"), generateAgentDockerfile("stdio", input.entry, input.baseImage));
      cpSync(input.codeDir, join(stage, "agent"), { recursive: true, verbatimSymlinks: true });
    }
    return await packStage(stage, readdirSync(stage).sort());
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function packStage(stage: string, entries: string[]): Promise<{ tarball: Buffer; sha256: string }> {
  const chunks: Buffer[] = [];
  for await (const c of createTar({ gzip: true, cwd: stage, portable: true, noMtime: true }, entries)) chunks.push(c as Buffer);
  const tarball = Buffer.concat(chunks);
  return { tarball, sha256: createHash("sha256").update(tarball).digest("hex") };
}

export interface ServedContext {
  url: string;
  token: string;
  sha256: string;
  /** Resolves when the context has been downloaded once (its connection closed). */
  fetched: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves `tarball` once at a random path, to a request bearing the random token. Any other
 * request gets 404/401; after the one download, 410. `advertiseHost` is how build pods reach
 * this process (the worker's pod IP).
 */
export async function serveBuildContext(tarball: Buffer, options: { advertiseHost: string; host?: string; port?: number }): Promise<ServedContext> {
  const id = randomBytes(16).toString("hex");
  const token = randomBytes(32).toString("base64url");
  const sha256 = createHash("sha256").update(tarball).digest("hex");
  let served = false;
  let markFetched!: () => void;
  const fetched = new Promise<void>((r) => (markFetched = r));
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== `/build-context/${id}`) return void res.writeHead(404).end();
    const given = Buffer.from(req.headers.authorization ?? "");
    const want = Buffer.from(`Bearer ${token}`);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return void res.writeHead(401).end();
    if (served) return void res.writeHead(410).end("this build context was already fetched\n");
    served = true;
    // "connection: close" and resolving only once the socket has closed: the caller may close
    // the server as soon as `fetched` resolves, and destroying a socket the client is still
    // reading from cuts the download short.
    res.socket?.once("close", () => markFetched());
    res.writeHead(200, { "content-type": "application/gzip", "content-length": tarball.length, connection: "close" });
    res.end(tarball);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "0.0.0.0", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.advertiseHost.includes(":") ? `[${options.advertiseHost}]` : options.advertiseHost;
  return {
    url: `http://${host}:${port}/build-context/${id}`,
    token,
    sha256,
    fetched,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
