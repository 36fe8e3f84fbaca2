// `npm run psql [-- psql arguments]`: a psql session on the platform's database, as the operator.
// With DATABASE_URL set, that database. Otherwise the embedded cluster of DATA_DIR (default
// .data, relative to where npm runs scripts: the project root) on EMBEDDED_PG_PORT, with the
// random superuser password the platform keeps in DATA_DIR/pg-password (readable by its owner
// only, so run this as the user that runs the platform).
// `npm run psql -- --url` prints the connection URL, password included, instead.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const env = { ...process.env };
let url = process.env.DATABASE_URL || "";
let shown = url;
if (!url) {
  const dataDir = resolve(process.env.DATA_DIR || ".data");
  const passwordFile = join(dataDir, "pg-password");
  let password;
  try {
    password = readFileSync(passwordFile, "utf8").trim();
  } catch (e) {
    console.error(`npm run psql: cannot read ${passwordFile} (${e.code ?? e.message}): start the platform once with this DATA_DIR, run this as the user the platform runs as, or set DATABASE_URL`);
    process.exit(2);
  }
  const port = process.env.EMBEDDED_PG_PORT || "54329";
  url = `postgres://postgres@127.0.0.1:${port}/rl_arena`;
  shown = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/rl_arena`;
  // In the environment, not on the command line, where `ps` would show it to every account.
  env.PGPASSWORD = password;
}

if (args[0] === "--url") {
  console.log(shown);
  process.exit(0);
}
const psql = spawn("psql", [url, ...args], { stdio: "inherit", env });
psql.on("error", (e) => {
  console.error(`npm run psql: could not run psql (${e.code ?? e.message}); install it (apt-get install postgresql-client) or connect another client to the URL \`npm run psql -- --url\` prints`);
  process.exit(127);
});
psql.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
