/**
 * The command of an agent that speaks the protocol itself (`agent.json`:
 * `{"protocol": "stdio", "command": ["python3", "bot.py"]}`), checked without knowing which
 * interpreters a machine offers: that is the build's business (src/executor/runtimes.ts).
 *
 * Stored in `submissions.entry` as its JSON text, so the database row says exactly what runs.
 * The rules here keep the command inside the archive: its program is an interpreter's bare
 * name, an absolute path the build checks against the offered interpreters, or a file of the
 * archive (`./bot`); no argument climbs out with `..` or points elsewhere by absolute path.
 */
import { normalizeEntryName } from "./archive_entries.ts";
import { IntakeError } from "./intake_errors.ts";

/** Where the archive's files are inside the sandbox and inside an agent image. */
export const AGENT_ROOT = "/agent";
const MAX_ARGS = 32;
/** submissions.entry holds at most 255 characters. */
const MAX_JSON = 255;
/** A bare program name: looked up among the interpreters the sandbox offers. */
const BARE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** Options after which the next argument is code or a module name, not a file. */
const CODE_OPTIONS = new Set(["-c", "-m", "-e", "-E", "--eval", "-p", "--print", "-r", "--require", "--import", "--loader", "-W", "-X", "-cp", "-classpath", "--class-path"]);
/** An argument ending like a script is taken as a file of the archive and must be there. */
const SCRIPT = /\.(py|js|mjs|cjs|rb|pl|php|lua|sh|jar|ts)$/i;

/** What the program of a command is: an interpreter by name or absolute path, or a file of the archive. */
export type Program = { kind: "interpreter"; name: string } | { kind: "absolute"; path: string } | { kind: "file"; path: string };

/**
 * Checks `raw` (agent.json's "command") against the archive's files and returns it as argv.
 * With `image` (the archive has a Dockerfile) the program and its files may be ones the image
 * build makes, so only the shape and ".." are checked here; the local build checks the rest.
 * Throws IntakeError("bad_agent_json") naming the argument and the rule it breaks.
 */
export function parseAgentCommand(raw: unknown, files: ReadonlySet<string>, options: { image?: boolean } = {}): string[] {
  const example = `such as ["python3", "bot.py"], ["node", "bot.mjs"] or ["./bot"]`;
  if (!Array.isArray(raw) || raw.length === 0) throw bad(`"command" must be a non-empty array of strings ${example}, got ${short(raw)}`);
  if (raw.length > MAX_ARGS) throw bad(`"command" has ${raw.length} items; at most ${MAX_ARGS} are allowed`);
  raw.forEach((a, i) => {
    if (typeof a !== "string" || a === "") throw bad(`"command" item ${i} must be a non-empty string, got ${short(a)}`);
    if (/[\x00-\x1f\x7f]/.test(a)) throw bad(`"command" item ${i} ${short(a)} holds a control character`);
  });
  const argv = raw as string[];
  if (JSON.stringify(argv).length > MAX_JSON) throw bad(`"command" is ${JSON.stringify(argv).length} characters as JSON; at most ${MAX_JSON} are allowed`);
  const program = programOf(argv);
  if (options.image) {
    argv.forEach((a) => {
      if (climbs(a)) throw bad(`"command" argument ${short(a)} escapes the archive: ".." is not allowed in a command`);
    });
    return argv;
  }
  if (program.kind === "file" && !files.has(program.path)) throw bad(`the command's program ${short(argv[0])} is not a file of the archive`);
  argv.forEach((a, i) => {
    if (i === 0) return;
    if (climbs(a)) throw bad(`"command" argument ${short(a)} escapes the archive: ".." is not allowed in a command`);
    if (a.startsWith("/") && !a.startsWith(AGENT_ROOT + "/")) {
      throw bad(`"command" argument ${short(a)} escapes the archive: an absolute path must lie under ${AGENT_ROOT}/ (where the archive's files are); name the archive's files relative to its root`);
    }
    // The script an interpreter runs must be in the archive (a typo would otherwise fail only in the validation match).
    if (program.kind === "file" || a.startsWith("-") || CODE_OPTIONS.has(argv[i - 1]!) || !SCRIPT.test(a)) return;
    const path = fileName(a.startsWith(AGENT_ROOT + "/") ? a.slice(AGENT_ROOT.length + 1) : a, a);
    if (!files.has(path)) throw bad(`"command" argument ${short(a)} is not a file of the archive`);
  });
  return argv;
}

/** How a command's first item is found: see the module comment. Throws IntakeError when it escapes the archive. */
export function programOf(argv: readonly string[]): Program {
  const first = argv[0] ?? "";
  if (climbs(first)) throw bad(`the command's program ${short(first)} escapes the archive: ".." is not allowed in a command`);
  if (BARE_NAME.test(first)) return { kind: "interpreter", name: first };
  if (first.startsWith(AGENT_ROOT + "/")) return { kind: "file", path: fileName(first.slice(AGENT_ROOT.length + 1), first) };
  if (first.startsWith("/")) return { kind: "absolute", path: first };
  return { kind: "file", path: fileName(first, first) };
}

/** The command as stored in submissions.entry. */
export function encodeCommand(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

/** The stored command back as argv; throws when the row does not hold one (the platform's fault, never the agent's). */
export function decodeCommand(entry: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    throw new Error(`a stdio agent's stored command ${short(entry)} is not JSON`);
  }
  if (!Array.isArray(value) || !value.every((a) => typeof a === "string")) throw new Error(`a stdio agent's stored command ${short(entry)} is not an array of strings`);
  return value as string[];
}

function fileName(rel: string, given: string): string {
  try {
    return normalizeEntryName(rel);
  } catch (e) {
    throw bad(`the command's program ${short(given)}: ${(e as Error).message.replace(/^archive entry /, "")}`);
  }
}

function climbs(arg: string): boolean {
  return arg.split(/[\\/]/).includes("..");
}

function bad(message: string): IntakeError {
  return new IntakeError("bad_agent_json", `agent.json: ${message}`);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? text.slice(0, 80) + "…" : text;
}
