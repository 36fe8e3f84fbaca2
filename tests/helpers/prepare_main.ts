// Child process for the concurrent-boot test: prepares the database given as argv[2], as a booting server would.
import { prepareDatabase } from "../../src/db/prepare.ts";
import { createLogger } from "../../src/log.ts";

await prepareDatabase(process.argv[2]!, createLogger({ level: "warn" }));
console.log("prepared");
