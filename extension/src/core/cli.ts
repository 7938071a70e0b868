/** Finding the repolora CLI and turning it into a command line: a `.mjs`/`.js` script runs under Node. */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface CliCommand {
  command: string;
  args: string[];
}

/**
 * The CLI to run: the `repolora.cliPath` setting, else `bin/repolora.mjs` of a checkout the extension sits in
 * (`<repo>/extension`), else `repolora` on PATH.
 */
export function resolveCli(options: {
  setting: string;
  extensionDir: string;
  pathEnv?: string | undefined;
}): string | null {
  if (options.setting) return options.setting;
  const sibling = join(options.extensionDir, "..", "bin", "repolora.mjs");
  if (existsSync(sibling)) return sibling;
  for (const dir of (options.pathEnv ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "repolora"))) return join(dir, "repolora");
  }
  return null;
}

export function cliCommand(cli: string, nodePath: string, args: string[]): CliCommand {
  if (/\.(m|c)?js$/.test(cli)) return { command: nodePath || "node", args: [cli, ...args] };
  return { command: cli, args };
}
