/**
 * The embedded cluster's superuser password. It is random, made once per cluster and kept next
 * to the cluster in a file only its owner can read (DATA_DIR/pg-password for DATA_DIR/pg);
 * `npm run psql` reads it from there. Clusters made before this existed have the fixed password
 * "postgres", which any local account could use to run programs through `COPY … TO PROGRAM`;
 * the first start after the upgrade replaces it.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";

/** The password every embedded cluster had before passwords were generated. */
export const LEGACY_PASSWORD = "postgres";

/** The password file of the cluster in `dataDir` (the requested path, e.g. DATA_DIR/pg). */
export function passwordFileFor(dataDir: string): string {
  return `${dataDir}-password`;
}

/** The password in `file`, made (random, mode 0600) when the file does not exist yet. */
export function readOrCreatePassword(file: string): string {
  let text: string | null = null;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (text !== null) {
    if (text === "") throw new Error(`the embedded PostgreSQL password file ${file} is empty: restore it, or delete it together with the cluster to start afresh`);
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600); // only its owner may read it
    return text;
  }
  // base64url: safe in a URL and in an SQL literal, and 192 bits no one guesses.
  const password = randomBytes(24).toString("base64url");
  // "wx": a file another process made meanwhile is never overwritten; then its password wins.
  try {
    writeFileSync(file, password + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return readOrCreatePassword(file);
    throw e;
  }
  return password;
}

/** The admin URL of the embedded cluster on `port` with `password`. */
export function embeddedUrl(port: number, password: string, database = "postgres"): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * Makes sure the running cluster on `port` takes `password`: when it refuses it but still takes
 * the legacy password, the role's password is changed to `password`. Resolves to what happened.
 */
export async function adoptPassword(port: number, password: string, passwordFile: string): Promise<"current" | "rotated"> {
  if (await accepts(port, password)) return "current";
  const legacy = postgres(embeddedUrl(port, LEGACY_PASSWORD), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await legacy.unsafe(`alter role postgres with password '${password.replaceAll("'", "''")}'`);
  } catch (e) {
    if ((e as { code?: string }).code === "28P01") {
      throw new Error(`the embedded PostgreSQL on port ${port} refuses the password in ${passwordFile} (and the old default): restore that file from a backup, or delete the cluster and the file to start afresh`);
    }
    throw e;
  } finally {
    await legacy.end({ timeout: 5 });
  }
  return "rotated";
}

async function accepts(port: number, password: string): Promise<boolean> {
  const sql = postgres(embeddedUrl(port, password), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`select 1`;
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "28P01") return false; // invalid_password
    throw e;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Clusters made before were initialised with `--auth=password`, which sends the password in
 * clear text; they get SCRAM, as new clusters do. Run before the postmaster starts.
 */
export function upgradeHbaAuth(dataDir: string): void {
  const file = join(dataDir, "pg_hba.conf");
  const text = readFileSync(file, "utf8");
  const upgraded = text.replace(/^(\s*(?:local|host)\s.*\s)password[ \t]*$/gm, "$1scram-sha-256");
  if (upgraded !== text) writeFileSync(file, upgraded); // an existing file keeps its owner and mode
}
