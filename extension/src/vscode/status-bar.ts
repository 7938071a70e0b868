/**
 * Status bar: the state (core/status-state.ts: no model, setting up, default, adapter, training, error, off),
 * staleness, the last completion's latency and the model.
 */
import * as vscode from "vscode";
import type { ContextRing } from "../core/context-ring.ts";
import { commitsSince } from "../core/git.ts";
import type { RuntimeState } from "../core/runtime-supervisor.ts";
import { type StatusInputs, statusState } from "../core/status-state.ts";
import type { Bindings } from "./bindings.ts";

/** What the status bar needs beyond the runtime and the folder's binding. */
export type StatusSources = Pick<StatusInputs, "modelFound" | "cliFound" | "setup"> & {
  modelPackage: string;
  training: (folderKey: string) => boolean;
};

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private runtime: RuntimeState = { kind: "stopped" };
  private latencyMs: number | null = null;
  private latencySource = "";
  private readonly stale = new Map<string, number | null>();

  constructor(
    private readonly bindings: Bindings,
    private readonly ring: ContextRing,
    private readonly sources: () => StatusSources,
  ) {
    this.item = vscode.window.createStatusBarItem("repolora.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "RepoLoRA";
    this.item.command = "repolora.menu";
    this.item.show();
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  setRuntime(state: RuntimeState): void {
    this.runtime = state;
    this.render();
  }

  setLatency(ms: number, source: string): void {
    this.latencyMs = Math.round(ms);
    this.latencySource = source;
    this.render();
  }

  /** Re-reads the staleness of the active folder's adapter (commits since it was trained). */
  async refreshStaleness(): Promise<void> {
    const folder = this.activeFolder();
    const first = folder ? this.bindings.get(folder).adapters[0] : undefined;
    const info = first ? this.bindings.adapter(first.dir) : null;
    if (folder && info?.repo.head) {
      this.stale.set(folder.uri.toString(), await commitsSince(folder.uri.fsPath, info.repo.head));
    }
    this.render();
  }

  private activeFolder(): vscode.WorkspaceFolder | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return (doc && vscode.workspace.getWorkspaceFolder(doc.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  }

  render(): void {
    const folder = this.activeFolder();
    const sources = this.sources();
    const state = statusState({
      ...sources,
      training: folder ? sources.training(folder.uri.toString()) : false,
      runtime: this.runtime,
      binding: folder ? this.bindings.label(folder) : "default",
    });
    const { label, icon } = state;
    this.item.command = state.command;
    const latency = this.latencyMs === null ? "" : ` · ${this.latencyMs} ms`;
    const stale = folder ? this.stale.get(folder.uri.toString()) : undefined;
    const staleMark = stale ? ` (+${stale})` : "";
    const modelShort =
      this.runtime.kind === "ready" ? ` · ${this.runtime.info.model.id.split("/").at(-1)}` : "";
    this.item.text = `${icon} RepoLoRA: ${label}${staleMark}${latency}${modelShort}`;
    const model =
      this.runtime.kind === "ready"
        ? this.runtime.info.model.id
        : sources.modelPackage || "no model package (run RepoLoRA: Set up the default model)";
    const ring = this.ring.stats();
    const lines = [
      `**RepoLoRA** — model: ${model}`,
      `adapter: ${label}${stale ? ` (${stale} commits since training)` : ""}${
        folder && this.bindings.followsRegistry(folder)
          ? " — the repository's active adapter in the registry"
          : " — chosen for this folder"
      }`,
      `runtime: ${describeRuntime(this.runtime)}`,
      ...(state.detail ? [`problem: ${state.detail}`] : []),
      this.latencyMs === null
        ? "no completion yet"
        : `last completion: ${this.latencyMs} ms (${this.latencySource})`,
      `context ring: ${ring.ring} chunks, ${ring.queued} queued`,
      "",
      state.command === "repolora.setupModel"
        ? "Click to set up the default model."
        : "Click for adapters, training and the log.",
    ];
    this.item.tooltip = new vscode.MarkdownString(lines.join("  \n"));
    this.item.backgroundColor =
      state.kind === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }
}

export function describeRuntime(state: RuntimeState): string {
  switch (state.kind) {
    case "stopped":
      return "not started (starts with the first completion)";
    case "starting":
      return "starting…";
    case "ready":
      return `ready (server ${state.info.serverVersion}, ${state.info.model.fimTemplate})`;
    case "backoff":
      return `restarting after ${state.failures} failure(s): ${state.lastError}`;
    case "failed":
      return `stopped after repeated failures: ${state.lastError}`;
  }
}
