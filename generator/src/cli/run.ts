/** The CLI's program: runs the command dispatcher on the process's arguments. The compiled CLI's entry point. */
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
