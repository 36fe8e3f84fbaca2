/**
 * The `fetch-context` init container of a Kaniko build Job: downloads the build context from
 * the worker (RLA_CONTEXT_URL with the bearer RLA_CONTEXT_TOKEN) into RLA_CONTEXT_FILE,
 * refuses more than 64 MiB, and checks RLA_CONTEXT_SHA256. Exit 0 when the file is right,
 * 1 otherwise (the reason goes to stderr and the termination message).
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { open } from "node:fs/promises";

const MAX_BYTES = 64 * 1024 * 1024;

async function main(): Promise<void> {
  const { RLA_CONTEXT_URL: url, RLA_CONTEXT_TOKEN: token, RLA_CONTEXT_SHA256: sha, RLA_CONTEXT_FILE: file } = process.env;
  if (!url || !token || !sha || !file) throw new Error("RLA_CONTEXT_URL, RLA_CONTEXT_TOKEN, RLA_CONTEXT_SHA256 and RLA_CONTEXT_FILE must be set");
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
  if (res.status !== 200 || !res.body) throw new Error(`GET ${new URL(url).pathname} answered ${res.status}`);
  const hash = createHash("sha256");
  const out = await open(file, "w", 0o644);
  let bytes = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (bytes > MAX_BYTES) throw new Error(`the build context is larger than ${MAX_BYTES} bytes`);
      hash.update(chunk);
      await out.write(chunk);
    }
  } finally {
    await out.close();
  }
  const got = hash.digest("hex");
  if (got !== sha) throw new Error(`the build context hashes to ${got}, expected ${sha}`);
  process.stderr.write(`fetched the build context: ${bytes} bytes, sha256 ${got}\n`);
}

try {
  await main();
} catch (error) {
  const message = (error as Error).message;
  process.stderr.write(`rl-arena fetch-context: ${message}\n`);
  try {
    writeFileSync(process.env.RLA_TERMINATION_LOG ?? "/dev/termination-log", message.slice(0, 4000));
  } catch {
    // not in a pod
  }
  process.exitCode = 1;
}
