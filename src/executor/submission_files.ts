/**
 * Unpacked submissions on this machine: DATA_DIR/submissions/<id>/. A worker may run on
 * another machine than the upload, so a missing folder is unpacked again from the archive
 * in the database. Unpacking goes to a temporary sibling that is renamed into place, so a
 * folder that exists is always complete, even when several workers race or one is killed.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Sql } from "postgres";
import { builtinAgentsFor } from "rl-arena-env";
import { inspectArchive, IntakeError, unpackArchive, type ArchiveSummary, type IntakeLimits } from "../submissions/intake.ts";
import { uploadLimits } from "../submissions/upload_limits.ts";
import { PlatformError, type BuildResult, type BuildSpec } from "./types.ts";

/** The folder holding every unpacked submission (the worker's boot check makes sure agents can reach it). */
export function submissionsRoot(dataDir: string): string {
  return join(dataDir, "submissions");
}

export function submissionDir(dataDir: string, submissionId: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(submissionId)) throw new PlatformError(`invalid submission id ${JSON.stringify(submissionId)}`);
  return join(submissionsRoot(dataDir), submissionId.toLowerCase());
}

/**
 * Makes sure the submission's folder exists, unpacking `archive` into it (within the settings'
 * upload `limits`) when it does not. Resolves with the folder and, when it unpacked now, the
 * archive summary.
 */
export async function ensureUnpacked(dataDir: string, submissionId: string, archive: Buffer, archiveName: string, limits: IntakeLimits): Promise<{ dir: string; summary: ArchiveSummary | null }> {
  const dir = submissionDir(dataDir, submissionId);
  if (existsSync(dir)) return { dir, summary: null };
  const parent = submissionsRoot(dataDir);
  mkdirSync(parent, { recursive: true });
  chmodSync(parent, 0o755);
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  try {
    const summary = await unpackArchive(archive, archiveName, tmp, limits);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(dir)) throw e; // someone else unpacked the same archive first
      rmSync(tmp, { recursive: true, force: true });
    }
    return { dir, summary };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The folder of a submission that already built, unpacking it from the database when this
 * machine has not seen it. The archive is read only when needed.
 */
export async function submissionFolder(sql: Sql, dataDir: string, submissionId: string): Promise<string> {
  const dir = submissionDir(dataDir, submissionId);
  if (existsSync(dir)) return dir;
  // The one place the executor reads a table directly: there is no SQL function returning the archive yet.
  const rows = await sql<{ archive: Buffer | null; archive_name: string | null }[]>`
    select archive, archive_name from submissions where id = ${submissionId}`;
  const row = rows[0];
  if (!row?.archive) throw new PlatformError(`submission ${submissionId} has no stored archive to unpack on this machine`);
  try {
    return (await ensureUnpacked(dataDir, submissionId, row.archive, row.archive_name ?? "upload.zip", await uploadLimits(sql))).dir;
  } catch (e) {
    throw new PlatformError(`could not unpack submission ${submissionId} on this machine: ${(e as Error).message}`);
  }
}

/**
 * The first step of every build: checks the archive against the settings' upload limits. Resolves with its summary and the first
 * build-log lines, or with the failed build result when the archive is refused (the agent is
 * at fault); any other error is thrown.
 */
export async function inspectBuildArchive(spec: Pick<BuildSpec, "archive" | "archiveName">, limits: IntakeLimits): Promise<{ summary: ArchiveSummary; lines: string[] } | { refused: BuildResult }> {
  let summary;
  try {
    summary = await inspectArchive(spec.archive, spec.archiveName, limits);
  } catch (e) {
    if (e instanceof IntakeError) return { refused: { ok: false, error: e.message, log: `archive ${spec.archiveName} refused: ${e.message}\n` } };
    throw e;
  }
  return {
    summary,
    lines: [
      `archive ${spec.archiveName}: ${summary.kind}, ${summary.files} file(s), ${summary.unpackedBytes} bytes unpacked`,
      `language ${summary.language}, entry ${summary.entry}`,
    ],
  };
}

/** The opponent of validation matches: the strongest built-in policy of the environment (null when it has none). */
export function validationOpponent(envId: string): string | null {
  const names = builtinAgentsFor(envId);
  return names.find((n) => /tracker|heuristic/.test(n)) ?? names[0] ?? null;
}
