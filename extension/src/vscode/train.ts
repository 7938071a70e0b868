/**
 * "RepoLoRA: Train adapter for this repo": runs `repolora train <folder> --json` under a cancellable progress
 * notification (live phase, loss and ETA), then shows the report card and makes the adapter active when it
 * beats the base model (the user may override either way). Cancel = SIGTERM, which keeps the old adapter.
 */
import { spawn } from "node:child_process";
import * as vscode from "vscode";
import { readAdapter } from "../core/adapters.ts";
import { cliCommand } from "../core/cli.ts";
import type { Logger } from "../core/log.ts";
import { summarizeReport } from "../core/report.ts";
import type { Settings } from "../core/settings.ts";
import {
  describeTrain,
  INITIAL_TRAIN_STATE,
  lineSplitter,
  overallPercent,
  parseTrainLine,
  reduceTrain,
  type TrainState,
  trainArgs,
} from "../core/training.ts";
import type { Bindings } from "./bindings.ts";
import { showReport } from "./report-view.ts";

export interface TrainDeps {
  bindings: Bindings;
  settings: () => Settings;
  cli: () => string | null;
  log: Logger;
  showLog: () => void;
  rememberAdapter: (dir: string) => Promise<void>;
  /** Called when a training run starts or ends (the status bar shows "training"). */
  onRunningChange?: () => void;
}

const running = new Set<string>();

/** Whether a training run for this folder (its URI) is in progress. */
export function isTraining(folderKey: string): boolean {
  return running.has(folderKey);
}

export async function trainAdapter(deps: TrainDeps, folder: vscode.WorkspaceFolder): Promise<void> {
  const key = folder.uri.toString();
  if (running.has(key)) {
    void vscode.window.showInformationMessage(`RepoLoRA is already training an adapter for ${folder.name}.`);
    return;
  }
  const cli = deps.cli();
  if (!cli) {
    void vscode.window.showErrorMessage(
      "RepoLoRA: the repolora CLI was not found. Set repolora.cliPath to bin/repolora.mjs of a RepoLoRA checkout.",
    );
    return;
  }
  const settings = deps.settings();
  const { command, args, env } = cliCommand(
    cli,
    settings.nodePath,
    trainArgs(folder.uri.fsPath, { ...settings.training, adaptersDir: settings.adaptersDir }),
  );
  running.add(key);
  deps.onRunningChange?.();
  deps.log.log("info", "train.start", { folder: folder.uri.fsPath, command, args, env });
  let state: TrainState = INITIAL_TRAIN_STATE;
  try {
    state = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `RepoLoRA: training ${folder.name}`,
        cancellable: true,
      },
      (progress, token) =>
        new Promise<TrainState>((resolve) => {
          let reported = 0;
          let current = INITIAL_TRAIN_STATE;
          const child = spawn(command, args, {
            cwd: folder.uri.fsPath,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
          });
          const cancel = token.onCancellationRequested(() => {
            deps.log.log("info", "train.cancel", { pid: child.pid });
            child.kill("SIGTERM");
          });
          const stdout = lineSplitter((line) => {
            const event = parseTrainLine(line);
            if (!event) {
              deps.log.log("debug", "train.stdout", { line });
              return;
            }
            if (event.event !== "step") deps.log.log("info", `train.${event.event}`, { ...event });
            current = reduceTrain(current, event);
            const percent = overallPercent(current);
            progress.report({ message: describeTrain(current), increment: Math.max(0, percent - reported) });
            reported = Math.max(reported, percent);
          });
          const stderr = lineSplitter((line) => deps.log.log("debug", "train.stderr", { line }));
          child.stdout.setEncoding("utf8").on("data", (c: string) => stdout.push(c));
          child.stderr.setEncoding("utf8").on("data", (c: string) => stderr.push(c));
          child.on("error", (error) => {
            current = reduceTrain(current, { event: "error", code: "SPAWN", message: error.message });
          });
          child.on("close", (code, signal) => {
            stdout.end();
            stderr.end();
            cancel.dispose();
            deps.log.log("info", "train.exit", { code, signal });
            if (!current.done && !current.error) {
              current = reduceTrain(current, {
                event: "error",
                code: token.isCancellationRequested ? "CANCELLED" : "EXIT",
                message: token.isCancellationRequested
                  ? "cancelled"
                  : `the trainer exited with code ${code}${signal ? ` (${signal})` : ""}`,
              });
            }
            resolve(current);
          });
        }),
    );
  } finally {
    running.delete(key);
    deps.onRunningChange?.();
  }

  if (state.error) {
    if (state.error.code === "CANCELLED") {
      void vscode.window.showInformationMessage(
        "RepoLoRA: training cancelled; the previous adapter is unchanged.",
      );
      return;
    }
    const choice = await vscode.window.showErrorMessage(
      `RepoLoRA training failed (${state.error.code}): ${state.error.message}`,
      "Show Log",
    );
    if (choice === "Show Log") deps.showLog();
    return;
  }
  const adapterDir = state.done?.adapterDir;
  const adapter = adapterDir ? readAdapter(adapterDir) : null;
  if (!adapter) {
    void vscode.window.showErrorMessage(
      `RepoLoRA: training ended but ${adapterDir} is not an adapter bundle.`,
    );
    return;
  }
  if (!adapter.report && state.done?.report) adapter.report = state.done.report;
  await deps.rememberAdapter(adapter.dir);
  showReport(adapter);
  const summary = summarizeReport(adapter.report);
  if (adapter.better === true) {
    // `repolora train` made it the registry's active adapter: a folder that follows the registry keeps doing so.
    if (deps.bindings.followsRegistry(folder)) await deps.bindings.apply(folder);
    if (deps.bindings.get(folder).adapters[0]?.dir !== adapter.dir || !deps.bindings.followsRegistry(folder))
      await deps.bindings.bind(folder, [{ dir: adapter.dir, weight: 1 }]);
    void vscode.window.showInformationMessage(
      `RepoLoRA: ${adapter.name} is now active for ${folder.name} (${summary}).`,
    );
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `RepoLoRA: the new adapter ${adapter.better === false ? "does not beat the base model" : "has no report card"} (${summary}). ${folder.name} keeps its current adapter.`,
    "Use It Anyway",
  );
  if (choice === "Use It Anyway") await deps.bindings.bind(folder, [{ dir: adapter.dir, weight: 1 }]);
}
