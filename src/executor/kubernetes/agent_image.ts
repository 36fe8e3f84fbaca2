/**
 * The layout of an agent image, in one place: where the uploaded code and our runtime files go,
 * the generated Dockerfile Kaniko builds, and the command that starts the agent. The match Job
 * and the Dockerfile both take the command from `agentArgv`, so they cannot drift apart.
 *
 * The Dockerfile has no RUN instruction on purpose: Kaniko runs with the registry's push
 * credentials, so nothing from the upload may execute during the build (no `pip install`,
 * no `npm install`). An agent gets the base image, our launcher, and its own files.
 */
import { ManifestError } from "./common.ts";
import type { AgentLanguage } from "./types.ts";

type ServedLanguage = Exclude<AgentLanguage, "stdio">;

/** Where the uploaded files live inside the image (read-only at run time). */
export const AGENT_DIR = "/agent";
/** Where our runtime files (launcher, SDK runner) live inside the image. */
export const RUNTIME_DIR = "/opt/rl-arena";

/** Base images; pin them by digest in production through the worker's options. */
export const DEFAULT_BASE_IMAGES: Record<ServedLanguage, string> = {
  python: "python:3.12-slim",
  node: "node:22-slim",
};

/**
 * The build context's `rl-arena/` folder goes to `/opt/rl-arena/`: for Python the launcher
 * and helper of env/python (`rl_arena_launch.py`, `rl_arena_agent.py`, the `rl_arena` shim);
 * for Node `runner.mjs`. For Node, the context's `node_modules/rl-arena-env/` (the SDK bundled
 * to plain JavaScript) goes to `/node_modules/rl-arena-env/`, so `import "rl-arena-env"`
 * resolves from /agent (build_context.ts assembles both).
 */
export const PYTHON_LAUNCHER = "rl_arena_launch.py";
export const NODE_RUNNER = "runner.mjs";

/** Checks an entry path from agent.json before it goes into a Dockerfile or a manifest. */
export function checkEntry(entry: string, language: ServedLanguage): string {
  const ok =
    typeof entry === "string" &&
    entry.length > 0 &&
    entry.length <= 200 &&
    /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/.test(entry) &&
    !entry.split("/").some((part) => part === "" || part === "." || part === "..");
  if (!ok) {
    throw new ManifestError(
      `entry ${JSON.stringify(entry)} must be a relative path of letters, digits, "_", "-", "." and "/" without "." or ".." segments`,
    );
  }
  const ext = language === "python" ? /\.py$/ : /\.(js|mjs|cjs)$/;
  if (!ext.test(entry)) throw new ManifestError(`entry ${JSON.stringify(entry)} does not fit language ${language} (expected ${language === "python" ? ".py" : ".js, .mjs or .cjs"})`);
  return entry;
}

/** The argv that starts an agent inside its image (stdin/stdout speak the protocol); "builtin" runs in the platform image. */
export function agentArgv(language: AgentLanguage | "builtin", entry: string): string[] {
  if (language === "builtin") return builtinArgv(entry);
  if (language === "stdio") return stdioArgv(entry);
  checkEntry(entry, language);
  switch (language) {
    case "python":
      return ["python3", "-u", `${RUNTIME_DIR}/${PYTHON_LAUNCHER}`, `${AGENT_DIR}/${entry}`];
    case "node":
      return ["node", `${RUNTIME_DIR}/${NODE_RUNNER}`, `${AGENT_DIR}/${entry}`];
    default:
      throw new ManifestError(`language ${JSON.stringify(language)} is not supported (python or node)`);
  }
}

/**
 * A stdio agent's command, as stored (JSON), checked again before it goes into a manifest. It
 * runs as is: in the image's working folder (/agent for the images we generate), so "./bot"
 * needs no rewriting, and an archive's own Dockerfile may name what its image installs.
 */
export function stdioArgv(entry: string): string[] {
  let argv: unknown;
  try {
    argv = JSON.parse(entry);
  } catch {
    throw new ManifestError(`a stdio agent's command ${JSON.stringify(entry.slice(0, 80))} is not JSON`);
  }
  if (!Array.isArray(argv) || argv.length === 0 || argv.length > 32 || !argv.every((a) => typeof a === "string" && a !== "" && !/[\x00-\x1f\x7f]/.test(a))) {
    throw new ManifestError(`a stdio agent's command ${JSON.stringify(entry.slice(0, 80))} must be 1-32 non-empty strings without control characters`);
  }
  return argv as string[];
}

/** The base image a generated stdio image starts from: its interpreter's; an archive's own program gets Python's (Debian, with a shell). */
export function stdioBaseImage(argv: readonly string[], images: Record<ServedLanguage, string> = DEFAULT_BASE_IMAGES): string | null {
  const program = argv[0] ?? "";
  if (program === "python3" || program === "python") return images.python;
  if (program === "node") return images.node;
  if (program.includes("/") && !program.startsWith("/")) return images.python;
  return null;
}

/** The built-in policy runner inside the platform image (WORKDIR /app; see the Dockerfile). */
export const PLATFORM_BUILTIN_RUNNER = "/app/env/bin/rl-arena-builtin.js";

/**
 * The argv that serves one of rl-arena-env's built-in policies from the platform image: the
 * demo agents and the opponent of validation matches have no image of their own.
 */
export function builtinArgv(name: string): string[] {
  if (typeof name !== "string" || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw new ManifestError(`built-in agent name ${JSON.stringify(name)} must be 1-63 lower-case letters, digits and dashes`);
  }
  return ["node", PLATFORM_BUILTIN_RUNNER, name];
}

/**
 * The Dockerfile Kaniko builds for an agent. The build context it expects:
 * `Dockerfile`, `agent/` (the uploaded files), `rl-arena/` (our runtime files) and, for Node,
 * `node_modules/rl-arena-env/`.
 */
export function generateAgentDockerfile(language: AgentLanguage, entry: string, baseImage?: string): string {
  if (language === "stdio") return generateStdioDockerfile(entry, baseImage);
  baseImage ??= DEFAULT_BASE_IMAGES[language];
  const argv = agentArgv(language, entry);
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(baseImage)) throw new ManifestError(`base image ${JSON.stringify(baseImage)} is not a valid image reference`);
  const lines = [
    "# Generated by RL-Arena for one submission; do not edit.",
    `FROM ${baseImage}`,
    language === "python"
      ? "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp TMPDIR=/tmp"
      : "ENV NODE_ENV=production HOME=/tmp TMPDIR=/tmp",
    `COPY --chown=0:0 rl-arena/ ${RUNTIME_DIR}/`,
    ...(language === "node" ? ["COPY --chown=0:0 node_modules/rl-arena-env/ /node_modules/rl-arena-env/"] : []),
    `COPY --chown=0:0 agent/ ${AGENT_DIR}/`,
    `WORKDIR ${AGENT_DIR}`,
    "USER 65532:65532",
    `ENTRYPOINT ${JSON.stringify(argv)}`,
    "",
  ];
  return lines.join("\n");
}

/**
 * The Dockerfile of a stdio agent without one of its own: its interpreter's base image and its
 * files, nothing of ours (no runner wraps it). The build context is `Dockerfile` and `agent/`.
 */
function generateStdioDockerfile(entry: string, baseImage?: string): string {
  const argv = stdioArgv(entry);
  const base = baseImage ?? stdioBaseImage(argv);
  if (!base) throw new ManifestError(`the command's program ${JSON.stringify(argv[0])} has no base image here; use python3, node or a file of the archive ("./bot"), or add a Dockerfile`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(base)) throw new ManifestError(`base image ${JSON.stringify(base)} is not a valid image reference`);
  return [
    "# Generated by RL-Arena for one submission; do not edit.",
    `FROM ${base}`,
    "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp TMPDIR=/tmp",
    `COPY --chown=0:0 agent/ ${AGENT_DIR}/`,
    `WORKDIR ${AGENT_DIR}`,
    "USER 65532:65532",
    `ENTRYPOINT ${JSON.stringify(argv)}`,
    "",
  ].join("\n");
}
