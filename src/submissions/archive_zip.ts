import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { normalizeEntryName, type Budget, type Visit } from "./archive_entries.ts";
import { IntakeError } from "./intake_errors.ts";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Reads a zip from memory one entry at a time (yauzl, lazyEntries, strictFileNames) and hands
 * each validated entry to `visit`. Sizes in headers are only used to refuse early; the bytes
 * really inflated are counted chunk by chunk against the budget.
 */
export function walkZip(bytes: Buffer, budget: Budget, visit: Visit): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = { lazyEntries: true, strictFileNames: true, decodeStrings: true, validateEntrySizes: true, autoClose: false };
    yauzl.fromBuffer(bytes, options, (openError, zip) => {
      if (openError || !zip) return reject(zipError(openError ?? new Error("unreadable zip")));
      let done = false;
      let stream: Readable | null = null;
      const fail = (error: unknown) => {
        if (done) return;
        done = true;
        stream?.destroy();
        zip.close();
        reject(error instanceof IntakeError ? error : zipError(error as Error));
      };
      zip.on("error", fail);
      zip.on("end", () => {
        if (done) return;
        done = true;
        zip.close();
        resolve();
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        try {
          const name = normalizeEntryName(entry.fileName, { directory: entry.fileName.endsWith("/") });
          const type = entryType(entry, name);
          if (name === "") return zip.readEntry();
          if (entry.isEncrypted()) throw new IntakeError("encrypted", `archive entry ${JSON.stringify(name)} is encrypted; upload an unencrypted archive`, name);
          if (type === "directory") {
            visit({ name, kind: "directory", data: Buffer.alloc(0) });
            zip.readEntry();
            return;
          }
          budget.startFile(name, entry.uncompressedSize);
          zip.openReadStream(entry, (streamError, readStream) => {
            if (streamError || !readStream) return fail(streamError ?? new Error("no stream"));
            stream = readStream;
            const chunks: Buffer[] = [];
            let size = 0;
            readStream.on("data", (chunk: Buffer) => {
              size += chunk.length;
              try {
                budget.addChunk(name, chunk.length, size);
              } catch (e) {
                return fail(e);
              }
              chunks.push(chunk);
            });
            readStream.on("error", fail);
            readStream.on("end", () => {
              if (done) return;
              stream = null;
              try {
                visit({ name, kind: "file", data: Buffer.concat(chunks, size) });
              } catch (e) {
                return fail(e);
              }
              zip.readEntry();
            });
          });
        } catch (e) {
          fail(e);
        }
      });
      zip.readEntry();
    });
  });
}

/** Regular files and directories only; the Unix mode (when present) tells links and devices apart. */
function entryType(entry: yauzl.Entry, name: string): "file" | "directory" {
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const type = mode & S_IFMT;
  if (type === S_IFLNK) throw new IntakeError("link", `archive entry ${JSON.stringify(name)} is a symbolic link; links are not allowed`, name);
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw new IntakeError("special_file", `archive entry ${JSON.stringify(name)} is a device, FIFO or socket (mode ${type.toString(8)}); only files and folders are allowed`, name);
  }
  return type === S_IFDIR || entry.fileName.endsWith("/") ? "directory" : "file";
}

/** Maps yauzl's messages to coded errors that name the entry. */
function zipError(error: Error): IntakeError {
  const m = error.message;
  let r: RegExpExecArray | null;
  if ((r = /^absolute path: (.*)$/s.exec(m))) return new IntakeError("absolute_path", `archive entry ${JSON.stringify(r[1])} is an absolute path; entries must be relative to the archive's root`, r[1]);
  if ((r = /^invalid relative path: (.*)$/s.exec(m))) return new IntakeError("path_escape", `archive entry ${JSON.stringify(r[1])} escapes the submission folder (".." is not allowed in entry names)`, r[1]);
  if ((r = /^invalid characters in fileName: (.*)$/s.exec(m))) return new IntakeError("bad_entry_name", `archive entry ${JSON.stringify(r[1])} contains a backslash`, r[1]);
  if (/central directory record signature not found/.test(m)) return new IntakeError("not_an_archive", "the upload is not a readable zip archive (no end-of-central-directory record)");
  return new IntakeError("corrupt_archive", `the zip archive is damaged or uses an unsupported feature: ${m}`);
}
