import { formatBytes, IntakeError, type IntakeLimits } from "./intake_errors.ts";

/** One member of an archive after validation: a normalized relative path and its bytes. */
export interface ArchiveEntry {
  /** Relative path with "/" separators, no "." or ".." segments, never empty. */
  name: string;
  kind: "file" | "directory";
  /** The file's bytes (empty for a directory). */
  data: Buffer;
}

export type Visit = (entry: ArchiveEntry) => void;

const MAX_NAME_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * Turns an archive member name into a safe relative path or throws naming the entry.
 * "./a//b/" → "a/b"; a directory entry for the root itself ("./") gives "". Rejects absolute paths (also "C:"), any ".." segment, backslashes, NUL
 * and control characters, and over-long names.
 */
export function normalizeEntryName(raw: string, options: { directory?: boolean } = {}): string {
  const shown = JSON.stringify(raw.length > 200 ? raw.slice(0, 200) + "…" : raw);
  if (raw.startsWith("/") || /^[a-zA-Z]:/.test(raw)) {
    throw new IntakeError("absolute_path", `archive entry ${shown} is an absolute path; entries must be relative to the archive's root`, raw);
  }
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) {
    throw new IntakeError("bad_entry_name", `archive entry ${shown} contains a backslash or a control character`, raw);
  }
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) {
    throw new IntakeError("path_escape", `archive entry ${shown} escapes the submission folder (".." is not allowed in entry names)`, raw);
  }
  if (segments.length === 0 && options.directory) return ""; // "./" or "/" itself: the root
  if (segments.length === 0) throw new IntakeError("bad_entry_name", `archive entry ${shown} has an empty name`, raw);
  const name = segments.join("/");
  if (Buffer.byteLength(name) > MAX_NAME_BYTES || segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
    throw new IntakeError("bad_entry_name", `archive entry ${shown} has a name longer than ${MAX_NAME_BYTES} bytes (or a part longer than ${MAX_SEGMENT_BYTES})`, raw);
  }
  return name;
}

/**
 * Counts files and bytes across one archive and refuses as soon as a limit is crossed, so a
 * bomb is stopped after at most one chunk past the limit, whatever its headers claim.
 */
export class Budget {
  files = 0;
  bytes = 0;
  constructor(readonly limits: IntakeLimits) {}

  /** Called once per file entry before its data is read; `declared` is the header's size (untrusted, may be -1). */
  startFile(name: string, declared: number): void {
    this.files += 1;
    if (this.files > this.limits.maxFiles) {
      throw new IntakeError("too_many_files", `the archive holds more than ${this.limits.maxFiles} files (limit reached at ${JSON.stringify(name)})`, name);
    }
    if (declared > this.limits.maxFileBytes) throw this.fileTooLarge(name, declared);
    if (declared > 0 && this.bytes + declared > this.limits.maxUnpackedBytes) throw this.totalTooLarge(name);
  }

  /** Called for every chunk actually decompressed; `fileBytes` is the running size of this file. */
  addChunk(name: string, chunkBytes: number, fileBytes: number): void {
    this.bytes += chunkBytes;
    if (fileBytes > this.limits.maxFileBytes) throw this.fileTooLarge(name, fileBytes);
    if (this.bytes > this.limits.maxUnpackedBytes) throw this.totalTooLarge(name);
  }

  private fileTooLarge(name: string, size: number): IntakeError {
    return new IntakeError("file_too_large", `archive entry ${JSON.stringify(name)} unpacks to more than ${formatBytes(this.limits.maxFileBytes)} (at least ${formatBytes(size)}); the per-file limit is ${formatBytes(this.limits.maxFileBytes)}`, name);
  }

  private totalTooLarge(name: string): IntakeError {
    return new IntakeError("unpacked_too_large", `the archive unpacks to more than ${formatBytes(this.limits.maxUnpackedBytes)} (limit reached at ${JSON.stringify(name)})`, name);
  }
}
