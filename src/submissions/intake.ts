/**
 * Submission intake: checks an uploaded archive (zip, tar.gz or one source file) against the
 * limits of SPEC §2 and unpacks it into the submission's own folder.
 *
 * 1. The kind is decided from the bytes (magic numbers), the name only for single files.
 * 2. Pass one walks every entry without writing anything: names, types, sizes and counts are
 *    checked while inflating, and the entry point is detected.
 * 3. `unpackArchive` then walks again and writes each file with O_CREAT|O_EXCL under the
 *    destination, after resolving its path and checking it stays inside.
 */
import { closeSync, fchmodSync, mkdirSync, openSync, readdirSync, writeSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { Budget, type ArchiveEntry, type Visit } from "./archive_entries.ts";
import { walkTarGz } from "./archive_tar.ts";
import { walkZip } from "./archive_zip.ts";
import { decodeCommand, programOf } from "./agent_command.ts";
import { detectEntryPoint, DOCKERFILE, type AgentLanguage } from "./entry_point.ts";
import { formatBytes, IntakeError, type IntakeLimits } from "./intake_errors.ts";
import { seededUploadLimits } from "./upload_limits.ts";

export { IntakeError, type IntakeLimits, type IntakeErrorCode } from "./intake_errors.ts";
export type { AgentLanguage } from "./entry_point.ts";

export type ArchiveKind = "zip" | "tar.gz" | "file";

/** What an upload contains, as decided by `inspectArchive`. Paths are relative to the unpacked root. */
export interface ArchiveSummary {
  kind: ArchiveKind;
  language: AgentLanguage;
  entry: string;
  /** Number of regular files that will be written. */
  files: number;
  unpackedBytes: number;
  /** A single top-level folder that wraps everything ("my-agent/") and is dropped when unpacking, or "". */
  stripPrefix: string;
  /** The archive has a Dockerfile at its root (built into the agent's image on Kubernetes only). */
  dockerfile: boolean;
}

const SOURCE_FILE = /\.(py|js|mjs)$/i;
/** Folders some zip tools add that are never part of an agent. */
const IGNORED = /^__MACOSX(\/|$)/;

/**
 * Validates an upload without writing anything. Resolves with its language, entry and size, or
 * rejects with an IntakeError (`.status` 413 when over the packed limit, else 422) whose
 * message names the offending entry and the rule.
 */
export async function inspectArchive(bytes: Uint8Array, name: string, limits: IntakeLimits = seededUploadLimits()): Promise<ArchiveSummary> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > limits.maxPackedBytes) {
    throw new IntakeError("too_large", `the upload is ${formatBytes(buf.length)}; the limit is ${formatBytes(limits.maxPackedBytes)}`);
  }
  const kind = archiveKind(buf, name);
  const files = new Set<string>();
  const dirs = new Set<string>();
  const contents = new Map<string, Buffer>();
  let bytesTotal = 0;
  await walk(buf, name, kind, limits, (e) => {
    if (IGNORED.test(e.name)) return;
    if (files.has(e.name) || (e.kind === "file" && dirs.has(e.name))) {
      throw new IntakeError("duplicate_entry", `archive entry ${JSON.stringify(e.name)} appears twice (or is both a file and a folder)`, e.name);
    }
    const parts = e.name.split("/");
    for (let i = 1; i <= parts.length - (e.kind === "file" ? 1 : 0); i++) {
      const d = parts.slice(0, i).join("/");
      if (files.has(d)) throw new IntakeError("duplicate_entry", `archive entry ${JSON.stringify(e.name)} lies inside ${JSON.stringify(d)}, which is a file`, e.name);
      dirs.add(d);
    }
    if (e.kind !== "file") return;
    files.add(e.name);
    bytesTotal += e.data.length;
    if (/(^|\/)agent\.json$/.test(e.name) && e.name.split("/").length <= 2) contents.set(e.name, e.data);
  });
  const stripPrefix = commonFolder(files);
  const rooted = new Set([...files].map((f) => f.slice(stripPrefix.length)));
  const manifest = contents.get(stripPrefix + "agent.json") ?? null;
  const { language, entry } = detectEntryPoint(rooted, manifest);
  return { kind, language, entry, files: files.size, unpackedBytes: bytesTotal, stripPrefix, dockerfile: rooted.has(DOCKERFILE) };
}

/**
 * Validates and unpacks an upload into `destDir`, which must not exist yet or be empty (it is
 * created). Nothing is written unless the whole archive passes; no path outside `destDir` is
 * ever opened for writing. Resolves with the same summary as `inspectArchive`.
 */
export async function unpackArchive(bytes: Uint8Array, name: string, destDir: string, limits: IntakeLimits = seededUploadLimits()): Promise<ArchiveSummary> {
  const summary = await inspectArchive(bytes, name, limits);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const root = resolve(destDir);
  mkdirSync(dirname(root), { recursive: true });
  try {
    mkdirSync(root, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST" || readdirSync(root).length > 0) throw new Error(`cannot unpack into ${root}: it must be a new or empty folder`, { cause: e });
  }
  const executable = programFile(summary);
  await walk(buf, name, summary.kind, limits, (e) => {
    if (IGNORED.test(e.name)) return;
    const rel = e.name.slice(summary.stripPrefix.length);
    if (rel === "") return;
    const target = resolve(root, rel);
    if (!target.startsWith(root + sep)) throw new IntakeError("path_escape", `archive entry ${JSON.stringify(e.name)} escapes the submission folder`, e.name);
    if (e.kind === "directory") {
      mkdirSync(target, { recursive: true, mode: 0o755 });
      return;
    }
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeNewFile(target, e.data, rel === executable ? 0o755 : 0o644);
  });
  return summary;
}

/**
 * The archive file a stdio agent's command runs (`["./bot"]`), or null. Archives do not carry
 * reliable permissions (zip tools differ), so that one file is made executable when unpacked.
 */
function programFile(summary: ArchiveSummary): string | null {
  if (summary.language !== "stdio") return null;
  const argv = decodeCommand(summary.entry);
  if (argv.length === 0) return null;
  const program = programOf(argv);
  return program.kind === "file" ? program.path : null;
}

/** O_CREAT|O_EXCL: never follows or replaces an existing file or link. World-readable so the sandbox uid can read it. */
function writeNewFile(path: string, data: Buffer, mode = 0o644): void {
  const fd = openSync(path, "wx", mode);
  try {
    fchmodSync(fd, mode);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
  } finally {
    closeSync(fd);
  }
}

function archiveKind(buf: Buffer, name: string): ArchiveKind {
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 3 || buf[2] === 5) && (buf[3] === 4 || buf[3] === 6)) return "zip";
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return "tar.gz";
  if (SOURCE_FILE.test(name) && !/\.(zip|tar|tgz|gz)$/i.test(name)) return "file";
  throw new IntakeError("not_an_archive", `${JSON.stringify(baseName(name))} is neither a zip or tar.gz archive nor a single .py, .js or .mjs file`);
}

async function walk(buf: Buffer, name: string, kind: ArchiveKind, limits: IntakeLimits, visit: Visit): Promise<void> {
  const budget = new Budget(limits);
  if (kind === "zip") return walkZip(buf, budget, visit);
  if (kind === "tar.gz") return walkTarGz(buf, budget, visit);
  visit(singleFile(buf, name, budget));
}

/** A lone source file becomes the default entry of its language (main.py, main.js or main.mjs). */
function singleFile(buf: Buffer, name: string, budget: Budget): ArchiveEntry {
  const base = baseName(name);
  const ext = SOURCE_FILE.exec(base)![1].toLowerCase();
  const fileName = `main.${ext}`;
  budget.startFile(fileName, buf.length);
  budget.addChunk(fileName, buf.length, buf.length);
  if (buf.includes(0) || !isUtf8(buf)) throw new IntakeError("not_an_archive", `${JSON.stringify(base)} is not a text source file (it holds binary data)`);
  return { name: fileName, kind: "file", data: buf };
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

/** "agent/" when every file lives under one folder "agent" (a zipped folder), else "". */
function commonFolder(files: Set<string>): string {
  let first: string | null = null;
  for (const f of files) {
    const slash = f.indexOf("/");
    if (slash === -1) return "";
    const top = f.slice(0, slash);
    if (first === null) first = top;
    else if (first !== top) return "";
  }
  return first === null ? "" : first + "/";
}
