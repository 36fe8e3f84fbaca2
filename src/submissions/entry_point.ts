import { encodeCommand, parseAgentCommand } from "./agent_command.ts";
import { normalizeEntryName } from "./archive_entries.ts";
import { IntakeError } from "./intake_errors.ts";

/**
 * python and node agents are served by our runner or launcher; a "stdio" agent is a program
 * that speaks the protocol itself, and its entry is its command as JSON (agent_command.ts).
 */
export type AgentLanguage = "python" | "node" | "stdio";

/** A Dockerfile at the archive's root: Kubernetes builds it into the agent's own image. */
export const DOCKERFILE = "Dockerfile";

/** Default entry files, in order of preference (SPEC §2). */
export const DEFAULT_ENTRIES: Record<"python" | "node", string[]> = {
  python: ["main.py", "agent.py"],
  node: ["main.js", "main.mjs", "agent.js"],
};

const EXTENSIONS: Record<"python" | "node", RegExp> = { python: /\.py$/, node: /\.(js|mjs|cjs)$/ };
const MANIFEST_MAX_BYTES = 64 * 1024;

/**
 * Decides language and entry file from the unpacked file names and the optional agent.json
 * (`{"language": "python"|"node", "entry": "path/in/archive"}`, both fields optional, or
 * `{"protocol": "stdio", "command": [...]}`).
 */
export function detectEntryPoint(files: ReadonlySet<string>, manifest: Buffer | null): { language: AgentLanguage; entry: string } {
  if (manifest) return fromManifest(files, manifest);
  const found = (lang: "python" | "node") => DEFAULT_ENTRIES[lang].filter((f) => files.has(f));
  const python = found("python");
  const node = found("node");
  if (python.length && node.length) {
    throw new IntakeError("ambiguous_entry_point", `the archive has both ${python[0]} (Python) and ${node[0]} (Node); add an agent.json such as {"language": "python", "entry": "${python[0]}"} to say which one runs`);
  }
  if (python.length) return { language: "python", entry: python[0] };
  if (node.length) return { language: "node", entry: node[0] };
  const top = [...files].filter((f) => !f.includes("/")).slice(0, 8);
  throw new IntakeError("no_entry_point", `no entry point found: add main.py or agent.py (Python), main.js, main.mjs or agent.js (Node) at the archive's root, or an agent.json naming {"language", "entry"} or {"protocol": "stdio", "command": ["python3", "bot.py"]}` +
    (top.length ? ` (top-level files: ${top.join(", ")})` : " (the archive has no files at its root)"));
}

function fromManifest(files: ReadonlySet<string>, bytes: Buffer): { language: AgentLanguage; entry: string } {
  if (bytes.length > MANIFEST_MAX_BYTES) throw new IntakeError("bad_agent_json", `agent.json is larger than ${MANIFEST_MAX_BYTES / 1024} KB`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new IntakeError("bad_agent_json", `agent.json is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new IntakeError("bad_agent_json", "agent.json must be a JSON object like {\"language\": \"python\", \"entry\": \"main.py\"}");
  const { language, entry, protocol, command } = raw as { language?: unknown; entry?: unknown; protocol?: unknown; command?: unknown };
  if (protocol !== undefined || command !== undefined) return stdioAgent(files, raw as Record<string, unknown>);
  if (language !== undefined && language !== "python" && language !== "node") {
    throw new IntakeError("bad_agent_json", `agent.json: language ${JSON.stringify(language)} is not supported; use "python" or "node", or {"protocol": "stdio", "command": [...]} for a program in any language that speaks the protocol itself`);
  }
  if (entry !== undefined && (typeof entry !== "string" || entry === "")) throw new IntakeError("bad_agent_json", "agent.json: entry must be a non-empty string (a path inside the archive)");
  let path: string | undefined;
  if (typeof entry === "string") {
    try {
      path = normalizeEntryName(entry);
    } catch (e) {
      throw new IntakeError("bad_agent_json", `agent.json: entry ${(e as Error).message.replace(/^archive entry /, "")}`);
    }
    if (!files.has(path)) throw new IntakeError("bad_agent_json", `agent.json: entry ${JSON.stringify(entry)} is not a file in the archive`);
  }
  const lang: "python" | "node" | undefined = language ?? (path ? (EXTENSIONS.python.test(path) ? "python" : EXTENSIONS.node.test(path) ? "node" : undefined) : undefined);
  if (!lang) throw new IntakeError("bad_agent_json", `agent.json: cannot tell the language of entry ${JSON.stringify(entry)}; add "language": "python" or "node"`);
  if (path) {
    if (!EXTENSIONS[lang].test(path)) throw new IntakeError("bad_agent_json", `agent.json: entry ${JSON.stringify(path)} does not look like a ${lang} file (expected ${lang === "python" ? ".py" : ".js, .mjs or .cjs"})`);
    return { language: lang, entry: path };
  }
  const fallback = DEFAULT_ENTRIES[lang].find((f) => files.has(f));
  if (!fallback) throw new IntakeError("no_entry_point", `agent.json says ${lang} but names no entry, and none of ${DEFAULT_ENTRIES[lang].join(", ")} is in the archive`);
  return { language: lang, entry: fallback };
}

/**
 * `{"protocol": "stdio", "command": [...]}`: the program runs as is. With a Dockerfile at the
 * root (built on Kubernetes) the command may name what the image holds, not only the archive.
 */
function stdioAgent(files: ReadonlySet<string>, raw: Record<string, unknown>): { language: "stdio"; entry: string } {
  if (raw.protocol !== "stdio") {
    throw new IntakeError("bad_agent_json", `agent.json: protocol ${JSON.stringify(raw.protocol ?? null)} is not supported; use "stdio" (with "command") for a program that speaks the protocol itself`);
  }
  if (raw.language !== undefined || raw.entry !== undefined) {
    throw new IntakeError("bad_agent_json", `agent.json: "protocol": "stdio" runs "command" as is; leave out "language" and "entry", which name a file our runner serves`);
  }
  if (raw.command === undefined) {
    throw new IntakeError("bad_agent_json", `agent.json: "protocol": "stdio" needs a "command" such as ["python3", "bot.py"], ["node", "bot.mjs"] or ["./bot"]${files.has(DOCKERFILE) ? ` (with a ${DOCKERFILE}, the command that starts the agent in the image it builds)` : ""}`);
  }
  return { language: "stdio", entry: encodeCommand(parseAgentCommand(raw.command, files, { image: files.has(DOCKERFILE) })) };
}
