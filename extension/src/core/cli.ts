/** Finding the repolora CLI and turning it into a command line: a `.mjs`/`.js` script runs under Node. */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface CliCommand {
  command: string;
  args: string[];
  /** Variables to add to the environment the command runs in. */
  env: Record<string, string>;
}

/** The runtime the extension host itself runs on: Node (code-server) or Electron's Node (VS Code). */
export interface HostRuntime {
  execPath: string;
}

const HOST: HostRuntime = { execPath: process.execPath };

/** Where a packaged extension carries the compiled CLI: a RepoLoRA package root under `<extension>/cli/`. */
export const SHIPPED_CLI = join("cli", "dist", "cli.mjs");

/**
 * The CLI to run, with no setting needed: the `repolora.cliPath` setting when set (an explicit choice wins),
 * else the compiled CLI shipped inside the extension, else a workspace folder's `node_modules/.bin/repolora`
 * (a project that installed RepoLoRA), else `bin/repolora.mjs` of a checkout the extension sits in
 * (`<repo>/extension`), else `repolora` on PATH.
 */
export function resolveCli(options: {
  setting: string;
  extensionDir: string;
  workspaceDirs?: readonly string[];
  pathEnv?: string | undefined;
}): string | null {
  if (options.setting) return options.setting;
  const candidates = [
    join(options.extensionDir, SHIPPED_CLI),
    ...(options.workspaceDirs ?? []).map((dir) => join(dir, "node_modules", ".bin", "repolora")),
    join(options.extensionDir, "..", "bin", "repolora.mjs"),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  for (const dir of (options.pathEnv ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "repolora"))) return join(dir, "repolora");
  }
  return null;
}

/**
 * The command line for the CLI. A `.mjs`/`.js` script runs under the `repolora.nodePath` setting when set, else
 * under the extension host's own runtime: VS Code's Electron binary runs as plain Node with
 * ELECTRON_RUN_AS_NODE=1 (there may be no `node` on PATH), and the variable is harmless to a real Node.
 */
export function cliCommand(
  cli: string,
  nodePath: string,
  args: string[],
  host: HostRuntime = HOST,
): CliCommand {
  if (!/\.(m|c)?js$/.test(cli)) return { command: cli, args, env: {} };
  if (nodePath) return { command: nodePath, args: [cli, ...args], env: {} };
  return { command: host.execPath, args: [cli, ...args], env: { ELECTRON_RUN_AS_NODE: "1" } };
}
