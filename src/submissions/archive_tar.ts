import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { normalizeEntryName, type Budget, type Visit } from "./archive_entries.ts";
import { formatBytes, IntakeError } from "./intake_errors.ts";

/** Tar overhead per member (header, padding, a pax header) on top of the file bytes. */
const TAR_OVERHEAD_PER_FILE = 3 * 512;

/**
 * Reads a gzip-compressed tar from memory. We inflate it ourselves (counting every byte, so a
 * bomb stops at the cap) and give node-tar's Parser plain tar; only regular files and
 * directories pass, each link or device is refused by name.
 */
export function walkTarGz(bytes: Buffer, budget: Budget, visit: Visit): Promise<void> {
  return new Promise((resolve, reject) => {
    const streamCap = budget.limits.maxUnpackedBytes + budget.limits.maxFiles * TAR_OVERHEAD_PER_FILE + 1024 * 1024;
    const gunzip = createGunzip();
    const parser = new Parser({ strict: true, maxMetaEntrySize: 64 * 1024 });
    let failed = false;
    let inflated = 0;
    let sawEntry = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(error instanceof IntakeError ? error : tarError(error, sawEntry));
    };

    parser.on("entry", (entry: ReadEntry) => {
      if (failed) return void entry.resume();
      sawEntry = true;
      try {
        const name = normalizeEntryName(entry.path, { directory: entry.type === "Directory" });
        const kind = entryKind(entry, name);
        if (kind === "directory") {
          entry.resume();
          if (name !== "") visit({ name, kind, data: Buffer.alloc(0) });
          return;
        }
        budget.startFile(name, entry.size);
        const chunks: Buffer[] = [];
        let size = 0;
        entry.on("data", (chunk: Buffer) => {
          if (failed) return;
          size += chunk.length;
          try {
            budget.addChunk(name, chunk.length, size);
            chunks.push(chunk);
          } catch (e) {
            fail(e);
          }
        });
        entry.on("end", () => {
          if (failed) return;
          try {
            visit({ name, kind: "file", data: Buffer.concat(chunks, size) });
          } catch (e) {
            fail(e);
          }
        });
      } catch (e) {
        entry.resume();
        fail(e);
      }
    });
    parser.on("error", fail);
    parser.on("end", () => {
      if (failed) return;
      if (!sawEntry && inflated > 0 && !isAllZero) return fail(new IntakeError("not_an_archive", "the gzip data does not contain a tar archive"));
      resolve();
    });

    let isAllZero = true;
    gunzip.on("data", (chunk: Buffer) => {
      if (failed) return;
      if (inflated === 0 && isCompressed(chunk)) {
        return fail(new IntakeError("nested_compression", "the archive is compressed twice (gzip inside gzip, or another compressor); upload a plain .tar.gz"));
      }
      inflated += chunk.length;
      if (isAllZero && chunk.some((b) => b !== 0)) isAllZero = false;
      if (inflated > streamCap) {
        return fail(new IntakeError("unpacked_too_large", `the tar archive inflates to more than ${formatBytes(streamCap)}; the unpacked limit is ${formatBytes(budget.limits.maxUnpackedBytes)}`));
      }
      try {
        parser.write(chunk);
      } catch (e) {
        fail(e);
      }
    });
    gunzip.on("end", () => {
      if (failed) return;
      try {
        parser.end();
      } catch (e) {
        fail(e);
      }
    });
    gunzip.on("error", (e) => fail(new IntakeError("corrupt_archive", `the gzip data is damaged: ${e.message}`)));
    gunzip.end(bytes);
  });
}

function entryKind(entry: ReadEntry, name: string): "file" | "directory" {
  switch (entry.type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
      return "file";
    case "Directory":
      return "directory";
    case "SymbolicLink":
    case "Link":
      throw new IntakeError("link", `archive entry ${JSON.stringify(name)} is a ${entry.type === "Link" ? "hard" : "symbolic"} link (to ${JSON.stringify(entry.linkpath ?? "")}); links are not allowed`, name);
    default:
      throw new IntakeError("special_file", `archive entry ${JSON.stringify(name)} is of type ${entry.type}; only files and folders are allowed`, name);
  }
}

function isCompressed(chunk: Buffer): boolean {
  return (chunk[0] === 0x1f && chunk[1] === 0x8b) // gzip
    || (chunk[0] === 0x28 && chunk[1] === 0xb5 && chunk[2] === 0x2f && chunk[3] === 0xfd) // zstd
    || (chunk[0] === 0x42 && chunk[1] === 0x5a && chunk[2] === 0x68); // bzip2
}

function tarError(error: unknown, sawEntry: boolean): IntakeError {
  const e = error as { message?: string; code?: string };
  const message = e.message ?? String(error);
  if (/Unrecognized archive format/.test(message) || (!sawEntry && /TAR_ENTRY_INVALID/.test(message))) return new IntakeError("not_an_archive", "the gzip data does not contain a tar archive");
  return new IntakeError("corrupt_archive", `the tar archive is damaged: ${message}`);
}
