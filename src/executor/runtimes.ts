/**
 * The interpreters a stdio agent's command may name (`["python3", "bot.py"]`), and how its
 * program is found.
 *
 * Locally they are the host's: the sandbox shows agents the host's /usr (and the platform's
 * own node), so what is installed there is what runs. On Kubernetes an agent runs in an image:
 * a command without a Dockerfile gets the base image of its interpreter; an archive with its
 * own Dockerfile brings whatever it installs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { AGENT_ROOT, programOf } from "../submissions/agent_command.ts";
import { IntakeError } from "../submissions/intake_errors.ts";
import { DEFAULT_BASE_IMAGES } from "./kubernetes/agent_image.ts";

/** One interpreter a command may name. */
export interface Runtime {
  /** What a command names: "python3". */
  name: string;
  /** Where it is, as seen inside the sandbox (local), or the image it runs in (Kubernetes). */
  path: string;
  /** Its version as it reports it ("3.11.2"), or "" when it says none. */
  version: string;
}

/** What GET /api/v1/runtimes answers. */
export interface RuntimeCatalogue {
  executor: "local" | "kubernetes";
  runtimes: Runtime[];
  /** An archive with its own Dockerfile gets its own image (Kubernetes only). */
  dockerfile: boolean;
  /** A sentence on where the list comes from. */
  note: string;
}

/** Interpreters looked for on the host, and the arguments that make each print its version. */
const CANDIDATES: ReadonlyArray<{ name: string; version: string[] }> = [
  { name: "python3", version: ["--version"] },
  { name: "node", version: ["--version"] },
  { name: "perl", version: ["-e", "print substr($^V, 1)"] },
  { name: "ruby", version: ["--version"] },
  { name: "php", version: ["--version"] },
  { name: "lua", version: ["-v"] },
  { name: "java", version: ["-version"] },
  { name: "bash", version: ["--version"] },
  { name: "sh", version: [] },
];
/** Folders on the sandbox's PATH, all under what the sandbox mounts from the host. */
const SEARCH = ["/usr/local/bin", "/usr/bin", "/bin"];

let host: Runtime[] | null = null;

/**
 * The host's interpreters (memoised per process). node is the platform's own binary (the
 * sandbox mounts it), python3 the one Python agents use ($RL_ARENA_PYTHON under /usr, else
 * /usr/bin/python3); the others are found on the sandbox's PATH.
 */
export function hostRuntimes(): Runtime[] {
  if (host) return host;
  const found: Runtime[] = [];
  for (const c of CANDIDATES) {
    const path = c.name === "node" ? realpathSync(process.execPath) : c.name === "python3" ? hostPython() : search(c.name);
    if (!path || !isExecutable(path)) continue;
    found.push({ name: c.name, path, version: c.version.length ? versionOf(path, c.version) : "" });
  }
  host = found;
  return found;
}

/** The local executor's catalogue. */
export function localCatalogue(): RuntimeCatalogue {
  return {
    executor: "local",
    runtimes: hostRuntimes(),
    dockerfile: false,
    note: "the local executor runs only this machine's interpreters, in the sandbox; an archive's Dockerfile is built only on Kubernetes (EXECUTOR=kubernetes)",
  };
}

/** Base images of stdio agents on Kubernetes, by interpreter; an archive's own program (`./bot`) runs in the first. */
export const KUBERNETES_RUNTIMES: ReadonlyArray<Runtime> = [
  { name: "python3", path: DEFAULT_BASE_IMAGES.python, version: tagVersion(DEFAULT_BASE_IMAGES.python) },
  { name: "node", path: DEFAULT_BASE_IMAGES.node, version: tagVersion(DEFAULT_BASE_IMAGES.node) },
];

function tagVersion(image: string): string {
  return /:(\d+(?:\.\d+)*)/.exec(image)?.[1] ?? "";
}

/** The Kubernetes executor's catalogue. */
export function kubernetesCatalogue(): RuntimeCatalogue {
  return {
    executor: "kubernetes",
    runtimes: [...KUBERNETES_RUNTIMES],
    dockerfile: true,
    note: "a command runs in its interpreter's base image; an archive with a Dockerfile at its root is built with Kaniko into an image of its own, so any language works",
  };
}

/**
 * The program a stdio command runs, as a path inside the sandbox: an offered interpreter
 * (by name or by its absolute path) or a file of the archive under /agent. Throws IntakeError
 * (the agent's fault) naming the program and what is available.
 */
export function resolveProgram(argv: readonly string[], runtimes: readonly Runtime[], codeDir: string | null): string {
  const program = programOf(argv);
  const available = describeRuntimes(runtimes);
  if (program.kind === "interpreter") {
    const r = runtimes.find((x) => x.name === program.name);
    if (r) return r.path;
    const hint = codeDir && existsSync(join(codeDir, program.name)) ? ` (to run the archive's file ${program.name}, write "./${program.name}")` : "";
    throw new IntakeError("bad_agent_json", `the command's interpreter ${JSON.stringify(program.name)} is not available here${hint}; available: ${available}`);
  }
  if (program.kind === "absolute") {
    const r = runtimes.find((x) => x.path === program.path || safeRealpath(x.path) === safeRealpath(program.path));
    if (r) return r.path;
    throw new IntakeError("path_escape", `the command's program ${JSON.stringify(program.path)} escapes the archive: an absolute path must be one of the interpreters (${available}); an archive's own program is named "./name"`);
  }
  if (codeDir) checkInside(codeDir, program.path);
  return `${AGENT_ROOT}/${program.path}`;
}

/** "python3 3.11.2 (/usr/bin/python3), node 20.20.2 (/usr/bin/node)". */
export function describeRuntimes(runtimes: readonly Runtime[]): string {
  if (runtimes.length === 0) return "none";
  return runtimes.map((r) => `${r.name}${r.version ? ` ${r.version}` : ""} (${r.path})`).join(", ");
}

/**
 * The archive's program must be a regular file that stays inside the unpacked folder once
 * every link is followed (intake refuses links; this holds even if a folder was tampered with).
 */
function checkInside(codeDir: string, rel: string): void {
  const root = realpathSync(codeDir);
  let real: string;
  try {
    real = realpathSync(join(codeDir, rel));
  } catch {
    throw new IntakeError("bad_agent_json", `the command's program ./${rel} is not a file of the archive`);
  }
  if (!real.startsWith(root + "/")) throw new IntakeError("path_escape", `the command's program ./${rel} escapes the archive: it leads to ${real}, outside it`);
  if (!statSync(real).isFile()) throw new IntakeError("bad_agent_json", `the command's program ./${rel} is not a regular file`);
}

function hostPython(): string | null {
  const configured = process.env.RL_ARENA_PYTHON;
  if (configured && configured.startsWith("/usr/")) return configured;
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : null;
}

function search(name: string): string | null {
  for (const dir of SEARCH) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function safeRealpath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** The first version number the interpreter prints (stdout or stderr), within 5 s. */
function versionOf(path: string, args: string[]): string {
  const r = spawnSync(path, args, { encoding: "utf8", timeout: 5000, env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" } });
  const text = `${r.stdout ?? ""}\n${r.stderr ?? ""}`;
  return /\d+(?:\.\d+)+/.exec(text)?.[0] ?? "";
}
