import { readFileSync } from "node:fs";
import { packagePath } from "../../../runtime/src/util/package-root.ts";
import { isRepoLoraError } from "../util/errors.ts";
import { cancelWasRequested } from "./args.ts";
import type { Command } from "./command.ts";
import { adaptersCommand } from "./commands/adapters.ts";
import { benchCommand } from "./commands/bench.ts";
import { cacheCommand } from "./commands/cache.ts";
import { completeCommand } from "./commands/complete.ts";
import { datasetCommand } from "./commands/dataset.ts";
import { evalCommand } from "./commands/eval.ts";
import { exportCommand } from "./commands/export.ts";
import { modelCommand } from "./commands/model.ts";
import { orgTrainCommand } from "./commands/org.ts";
import { serveCommand } from "./commands/serve.ts";
import { trainCommand } from "./commands/train.ts";
import { didYouMean } from "./suggest.ts";

/** Every subcommand, in the order `--help` lists them. Each lives in its own file under commands/. */
const commands: Command[] = [
  datasetCommand,
  trainCommand,
  orgTrainCommand,
  evalCommand,
  adaptersCommand,
  exportCommand,
  modelCommand,
  serveCommand,
  completeCommand,
  benchCommand,
  cacheCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "repolora — train a LoRA adapter that knows your repository, and serve completions from it.",
    "",
    "Usage: repolora <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `repolora <command> --help` for a command's options; `repolora --version` prints the version.",
  ].join("\n");
}

/** The version in the project's package.json. */
export function packageVersion(): string {
  const path = packagePath("package.json");
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`repolora ${packageVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const what = name.startsWith("-") ? "option" : "command";
    const names = commands.map((c) => c.name);
    process.stderr.write(
      `repolora: unknown ${what} '${name}'.${didYouMean(name, name.startsWith("-") ? ["--help", "--version"] : names)}\n\n${usage()}\n`,
    );
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (cancelWasRequested() && !(isRepoLoraError(error) && error.code === "CANCELLED")) {
      // Ctrl-C also reached a child (git, Python), whose failure is only the cancel's echo.
      process.stderr.write(`repolora ${name}: cancelled.\n`);
      return 130;
    }
    if (isRepoLoraError(error)) {
      process.stderr.write(`repolora ${name}: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
      return error.code === "CANCELLED" ? 130 : 1;
    }
    throw error;
  }
}
