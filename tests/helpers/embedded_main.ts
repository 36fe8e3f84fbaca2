// Child process for the kill -9 test: starts an embedded cluster in argv[2] on port argv[3] and waits to be killed.
import { startEmbeddedPostgres } from "../../src/db/embedded.ts";

await startEmbeddedPostgres(process.argv[2]!, Number(process.argv[3]));
console.log("started");
setInterval(() => {}, 1000);
