import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { formatBytes } from "../../submissions/intake_errors.ts";
import { uploadLimits } from "../../submissions/upload_limits.ts";
import type { WebDeps, WebEnv } from "../deps.ts";
import { HttpError } from "./error_responses.ts";

/** Multipart overhead allowed on top of the archive (the envelope and the agentId field). */
const MULTIPART_SLACK = 64 * 1024;

/**
 * The body limit of the upload routes (API and page form): the archive_max_bytes setting, read
 * through uploadLimits (cached briefly), plus the multipart envelope.
 */
export const uploadBodyLimit = (deps: Pick<WebDeps, "sql">): MiddlewareHandler<WebEnv> => async (c, next) => {
  const { maxPackedBytes } = await uploadLimits(deps.sql);
  const message = `the upload is larger than ${formatBytes(maxPackedBytes)}; archives may be at most ${formatBytes(maxPackedBytes)} packed (setting archive_max_bytes)`;
  return bodyLimit({ maxSize: maxPackedBytes + MULTIPART_SLACK, onError: () => { throw new HttpError(413, "payload_too_large", message); } })(c, next);
};
