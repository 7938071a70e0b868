/** Adapter commands: switch, stack, report, disable/enable per workspace, and the status bar menu. */
import * as vscode from "vscode";
import { defaultAdaptersDir, describeAdapter } from "../core/adapters.ts";
import { MAX_STACK, parseWeight } from "../core/binding.ts";
import type { Logger } from "../core/log.ts";
import {
  type AdapterGroup,
  addStaleness,
  groupOf,
  organizationOf,
  type RegistryAdapter,
  type RepoIdentity,
  readRegistry,
  sortForPicker,
} from "../core/registry.ts";
import type { Settings } from "../core/settings.ts";
import type { Bindings } from "./bindings.ts";
import { showReport } from "./report-view.ts";

export interface CommandDeps {
  bindings: Bindings;
  settings: () => Settings;
  knownAdapters: () => string[];
  log: Logger;
}

/** The registry the CLI uses: `repolora.adaptersDir`, else $REPOLORA_HOME/adapters or the XDG default. */
export function registryRoot(settings: Settings): string {
  return settings.adaptersDir || defaultAdaptersDir();
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

/** The registry's healthy adapters (broken folders skipped with a log line), grouped for the folder's repo. */
async function adaptersFor(
  deps: CommandDeps,
  folder: vscode.WorkspaceFolder,
): Promise<{ adapters: RegistryAdapter[]; repo: RepoIdentity }> {
  const repo = await deps.bindings.identity(folder);
  const listing = readRegistry(registryRoot(deps.settings()), deps.knownAdapters(), deps.log);
  const adapters = sortForPicker(listing.adapters, repo);
  await addStaleness(adapters, repo);
  return { adapters, repo };
}

interface AdapterItem extends vscode.QuickPickItem {
  adapter?: RegistryAdapter;
  follow?: boolean;
}

function sectionLabel(group: AdapterGroup, repo: RepoIdentity): string {
  switch (group) {
    case "repo":
      return `This repository (${repo.name})`;
    case "organization":
      return `Same organization (${organizationOf(repo.remote)})`;
    case "other":
      return "Other repositories";
    case "unattached":
      return "Not tied to a repository";
  }
}

function adapterItems(adapters: RegistryAdapter[], repo: RepoIdentity): AdapterItem[] {
  const items: AdapterItem[] = [];
  let section: AdapterGroup | null = null;
  for (const adapter of adapters) {
    const group = groupOf(adapter, repo);
    if (section !== group) {
      items.push({ label: sectionLabel(group, repo), kind: vscode.QuickPickItemKind.Separator });
      section = group;
    }
    items.push({
      label: adapter.name,
      description: describeAdapter(adapter),
      detail: `${adapter.id} — ${adapter.dir}`,
      adapter,
    });
  }
  return items;
}

export async function switchAdapter(deps: CommandDeps): Promise<void> {
  const folder = await pickFolder("Switch the adapter of which folder?");
  if (!folder) return;
  const { adapters, repo } = await adaptersFor(deps, folder);
  const following = deps.bindings.followsRegistry(folder);
  const current = new Set(deps.bindings.get(folder).adapters.map((a) => a.dir));
  const registryActive = adapters.find((a) => a.active && groupOf(a, repo) === "repo");
  const items: AdapterItem[] = [
    {
      label: "$(sync) Follow the registry",
      description: `${registryActive ? `active: ${registryActive.name}` : "no active adapter: base model"}${following ? " · current" : ""}`,
      detail: "The repository's active adapter (repolora adapters activate), also when it changes later",
      follow: true,
    },
    {
      label: "$(circle-slash) None (base model)",
      description: !following && current.size === 0 ? "current" : "",
    },
    ...adapterItems(adapters, repo).map((item) =>
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
  if (picked.follow) {
    await deps.bindings.followRegistry(folder);
    return;
  }
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
  const { adapters, repo } = await adaptersFor(deps, folder);
  if (adapters.length === 0) {
    void vscode.window.showInformationMessage("RepoLoRA: no adapters to stack yet.");
    return;
  }
  const bound = new Map(deps.bindings.get(folder).adapters.map((a) => [a.dir, a.weight]));
  const items = adapterItems(adapters, repo).map((item) => ({
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
  const { adapters, repo } = await adaptersFor(deps, folder);
  const picked = await vscode.window.showQuickPick(adapterItems(adapters, repo), {
    title: "RepoLoRA: show the report card of",
    placeHolder: adapters.length ? undefined : "No adapters yet",
  });
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
    { label: "$(keyboard) Toggle automatic completions", command: "repolora.toggleAutomatic" },
    { label: "$(cloud-download) Set up the default model", command: "repolora.setupModel" },
    { label: "$(output) Show log", command: "repolora.showLog" },
    { label: "$(debug-restart) Restart runtime", command: "repolora.restartRuntime" },
    { label: "$(gear) Settings", command: "repolora._openSettings" },
  ];
  const picked = await vscode.window.showQuickPick(actions, { title: "RepoLoRA" });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
