/** Adapter commands: switch, stack, report, disable/enable per workspace, and the status bar menu. */
import * as vscode from "vscode";
import {
  type AdapterInfo,
  defaultAdaptersDir,
  describeAdapter,
  isSameRepo,
  listAdapters,
  sortForRepo,
} from "../core/adapters.ts";
import { MAX_STACK, parseWeight } from "../core/binding.ts";
import { remoteOf } from "../core/git.ts";
import type { Settings } from "../core/settings.ts";
import type { Bindings } from "./bindings.ts";
import { showReport } from "./report-view.ts";

export interface CommandDeps {
  bindings: Bindings;
  settings: () => Settings;
  knownAdapters: () => string[];
}

/** The folder of the active editor, the only folder, or the one the user picks. */
export async function pickFolder(placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const doc = vscode.window.activeTextEditor?.document;
  const active = doc ? vscode.workspace.getWorkspaceFolder(doc.uri) : undefined;
  if (active) return active;
  if (folders.length <= 1) {
    if (folders.length === 0) void vscode.window.showInformationMessage("RepoLoRA: open a folder first.");
    return folders[0];
  }
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}

async function adaptersFor(deps: CommandDeps, folder: vscode.WorkspaceFolder): Promise<AdapterInfo[]> {
  const root = deps.settings().adaptersDir || defaultAdaptersDir();
  const all = listAdapters([root], deps.knownAdapters());
  return sortForRepo(all, { root: folder.uri.fsPath, remote: await remoteOf(folder.uri.fsPath) });
}

interface AdapterItem extends vscode.QuickPickItem {
  adapter?: AdapterInfo;
}

function adapterItems(
  adapters: AdapterInfo[],
  folder: vscode.WorkspaceFolder,
  remote: string | null,
): AdapterItem[] {
  const items: AdapterItem[] = [];
  let section: "mine" | "other" | null = null;
  for (const adapter of adapters) {
    const mine = isSameRepo(adapter.repo, { root: folder.uri.fsPath, remote });
    const wanted = mine ? "mine" : "other";
    if (section !== wanted) {
      items.push({
        label: mine ? "This repository" : "Other repositories",
        kind: vscode.QuickPickItemKind.Separator,
      });
      section = wanted;
    }
    items.push({ label: adapter.name, description: describeAdapter(adapter), detail: adapter.dir, adapter });
  }
  return items;
}

export async function switchAdapter(deps: CommandDeps): Promise<void> {
  const folder = await pickFolder("Switch the adapter of which folder?");
  if (!folder) return;
  const adapters = await adaptersFor(deps, folder);
  const current = new Set(deps.bindings.get(folder).adapters.map((a) => a.dir));
  const items: AdapterItem[] = [
    { label: "$(circle-slash) None (base model)", description: current.size === 0 ? "active" : "" },
    ...adapterItems(adapters, folder, await remoteOf(folder.uri.fsPath)).map((item) =>
      item.adapter && current.has(item.adapter.dir) ? { ...item, label: `$(check) ${item.label}` } : item,
    ),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `RepoLoRA: adapter for ${folder.name}`,
    placeHolder: adapters.length
      ? "Pick an adapter"
      : "No adapters yet: run “RepoLoRA: Train adapter for this repo”",
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  await deps.bindings.bind(folder, picked.adapter ? [{ dir: picked.adapter.dir, weight: 1 }] : []);
  if (picked.adapter?.better === false) {
    void vscode.window.showWarningMessage(
      `RepoLoRA: ${picked.adapter.name} did not beat the base model on its report card; it is active because you chose it.`,
    );
  }
}

export async function stackAdapters(deps: CommandDeps): Promise<void> {
  const folder = await pickFolder("Stack adapters for which folder?");
  if (!folder) return;
  const adapters = await adaptersFor(deps, folder);
  if (adapters.length === 0) {
    void vscode.window.showInformationMessage("RepoLoRA: no adapters to stack yet.");
    return;
  }
  const bound = new Map(deps.bindings.get(folder).adapters.map((a) => [a.dir, a.weight]));
  const items = adapterItems(adapters, folder, await remoteOf(folder.uri.fsPath)).map((item) => ({
    ...item,
    picked: item.adapter ? bound.has(item.adapter.dir) : false,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `RepoLoRA: stack up to ${MAX_STACK} adapters for ${folder.name}`,
    canPickMany: true,
    matchOnDescription: true,
  });
  if (!picked) return;
  const chosen = picked.flatMap((item) => (item.adapter ? [item.adapter] : []));
  if (chosen.length > MAX_STACK) {
    void vscode.window.showErrorMessage(`RepoLoRA: at most ${MAX_STACK} adapters can be stacked.`);
    return;
  }
  const stack: Array<{ dir: string; weight: number }> = [];
  for (const adapter of chosen) {
    const input = await vscode.window.showInputBox({
      title: `Weight of ${adapter.name}`,
      prompt: "Scale of this adapter in the stack (1 = as trained, 0.5 = half, negative subtracts)",
      value: String(bound.get(adapter.dir) ?? 1),
      validateInput: (text) => (parseWeight(text) === null ? "A number between -4 and 4" : null),
    });
    if (input === undefined) return;
    stack.push({ dir: adapter.dir, weight: parseWeight(input)! });
  }
  await deps.bindings.bind(folder, stack);
}

export async function showAdapterReport(deps: CommandDeps): Promise<void> {
  const folder = await pickFolder("Report of which folder's adapter?");
  if (!folder) return;
  const bound = deps.bindings.get(folder).adapters;
  const active = bound.length === 1 ? deps.bindings.adapter(bound[0]!.dir, true) : null;
  if (active) {
    showReport(active);
    return;
  }
  const adapters = await adaptersFor(deps, folder);
  const picked = await vscode.window.showQuickPick(
    adapterItems(adapters, folder, await remoteOf(folder.uri.fsPath)),
    {
      title: "RepoLoRA: show the report card of",
      placeHolder: adapters.length ? undefined : "No adapters yet",
    },
  );
  if (picked?.adapter) showReport(picked.adapter);
}

export async function setWorkspaceDisabled(deps: CommandDeps, disabled: boolean): Promise<void> {
  const folder = await pickFolder(
    disabled ? "Disable completions in which folder?" : "Enable completions in which folder?",
  );
  if (!folder) return;
  await deps.bindings.set(folder, { disabled });
  await vscode.commands.executeCommand("setContext", "repolora.workspaceDisabled", disabled);
  void vscode.window.showInformationMessage(
    `RepoLoRA: completions ${disabled ? "disabled" : "enabled"} for ${folder.name}.`,
  );
}

export async function showMenu(deps: CommandDeps): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const disabled = folder ? deps.bindings.get(folder).disabled : false;
  const actions: Array<vscode.QuickPickItem & { command: string }> = [
    { label: "$(arrow-swap) Switch adapter", command: "repolora.switchAdapter" },
    { label: "$(layers) Stack adapters", command: "repolora.stackAdapters" },
    { label: "$(beaker) Train adapter for this repo", command: "repolora.train" },
    { label: "$(graph) Show adapter report", command: "repolora.showReport" },
    disabled
      ? { label: "$(check) Enable completions for this workspace", command: "repolora.enableWorkspace" }
      : {
          label: "$(circle-slash) Disable completions for this workspace",
          command: "repolora.disableWorkspace",
        },
    { label: "$(output) Show log", command: "repolora.showLog" },
    { label: "$(debug-restart) Restart runtime", command: "repolora.restartRuntime" },
    { label: "$(gear) Settings", command: "repolora._openSettings" },
  ];
  const picked = await vscode.window.showQuickPick(actions, { title: "RepoLoRA" });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
