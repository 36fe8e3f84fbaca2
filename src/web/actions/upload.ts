import type { Row } from "postgres";
import { inspectArchive } from "../../submissions/intake.ts";
import { formatBytes, IntakeError } from "../../submissions/intake_errors.ts";
import { uploadLimits } from "../../submissions/upload_limits.ts";
import type { WebDeps } from "../deps.ts";
import { done, Refusal, refused, type Outcome } from "../http/outcome.ts";

/**
 * An upload, once for POST /api/v1/submissions and the pages' upload form: the archive is
 * checked against the settings' upload limits (upload_limits()), then create_submission stores
 * it (ownership, quota and the environment's own archive_max_bytes are SQL's; their errors are
 * thrown as they are). A refused archive names the file, the entry and the rule.
 */
export async function uploadArchive(deps: Pick<WebDeps, "sql">, caller: string, agentId: string, file: File): Promise<Outcome<Row>> {
  const limits = await uploadLimits(deps.sql);
  if (file.size > limits.maxPackedBytes) {
    return refused(new Refusal(413, "payload_too_large",
      `${file.name} is ${formatBytes(file.size)}; uploads may be at most ${formatBytes(limits.maxPackedBytes)} (setting archive_max_bytes)`));
  }
  if (file.size === 0) return refused(new Refusal(422, "invalid_archive", `${file.name || "the file"} is empty`));
  const bytes = Buffer.from(await file.arrayBuffer());
  let found;
  try {
    found = await inspectArchive(bytes, file.name, limits);
  } catch (e) {
    if (!(e instanceof IntakeError)) throw e;
    return refused(new Refusal(e.status, e.status === 413 ? "payload_too_large" : "invalid_archive", `${file.name}: ${e.message}`,
      { code: e.code, ...(e.entry ? { entry: e.entry } : {}) }));
  }
  const [created] = await deps.sql`select * from create_submission(${caller}, ${agentId}, ${found.language}, ${found.entry}, ${bytes}, ${file.name})`;
  return done(created!);
}
