/**
 * Every way an upload can be refused. The code is stable (tests, API clients); the message
 * names the offending entry or value and the rule it broke, and is safe to show the uploader.
 */
export type IntakeErrorCode =
  | "too_large" // packed size over the limit (HTTP 413)
  | "not_an_archive"
  | "corrupt_archive"
  | "too_many_files"
  | "file_too_large"
  | "unpacked_too_large"
  | "path_escape"
  | "absolute_path"
  | "bad_entry_name"
  | "link"
  | "special_file"
  | "duplicate_entry"
  | "encrypted"
  | "nested_compression"
  | "bad_agent_json"
  | "no_entry_point"
  | "ambiguous_entry_point";

export class IntakeError extends Error {
  override name = "IntakeError";
  /** 413 for an upload over the packed limit, 422 for everything else (an invalid archive). */
  readonly status: 413 | 422;
  constructor(readonly code: IntakeErrorCode, message: string, readonly entry?: string) {
    super(message);
    this.status = code === "too_large" ? 413 : 422;
  }
}

/** What an upload is checked against: the settings upload_limits() returns (src/submissions/upload_limits.ts). */
export interface IntakeLimits {
  maxPackedBytes: number;
  maxUnpackedBytes: number;
  maxFiles: number;
  maxFileBytes: number;
}

/** Human form of a byte count for messages ("12 MB", "1.5 KB"). */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
