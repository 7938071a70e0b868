/**
 * Per-workspace-folder adapter bindings: stored in workspace state, applied to the runtime (loadAdapter +
 * setWorkspaceAdapters) when the extension starts, when folders are added, and when the user switches.
 */
import * as vscode from "vscode";
import { type AdapterInfo, readAdapter } from "../core/adapters.ts";
import {
  BindingStore,
  type BoundAdapter,
  bindingLabel,
  toWeightedAdapters,
  type WorkspaceBinding,
} from "../core/binding.ts";
import type { Logger } from "../core/log.ts";
import type { RuntimeSupervisor } from "../core/runtime-supervisor.ts";

export class Bindings implements vscode.Disposable {
  private readonly store: BindingStore;
  private readonly scopes = new Map<string, string>();
  private readonly adapters = new Map<string, AdapterInfo | null>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    state: vscode.Memento,
    private readonly runtime: RuntimeSupervisor,
    private readonly log: Logger,
    private readonly warn: (message: string) => void,
  ) {
    this.store = new BindingStore(state);
  }

  dispose(): void {
    this.changed.dispose();
  }

  static workspaceKey(folder: vscode.WorkspaceFolder): string {
    return folder.uri.toString();
  }

  get(folder: vscode.WorkspaceFolder): WorkspaceBinding {
    return this.store.get(Bindings.workspaceKey(folder));
  }

  /** The bundle behind a bound folder, read once per session (re-read after training). */
  adapter(dir: string, reread = false): AdapterInfo | null {
    if (reread || !this.adapters.has(dir)) this.adapters.set(dir, readAdapter(dir));
    return this.adapters.get(dir) ?? null;
  }

  label(folder: vscode.WorkspaceFolder): string {
    return bindingLabel(this.get(folder), (dir) => this.adapter(dir)?.name ?? "missing adapter");
  }

  /** Cache scope of a workspace: its adapters' keys and weights. */
  scope(workspace: string): string {
    return this.scopes.get(workspace) ?? "base";
  }

  async set(folder: vscode.WorkspaceFolder, change: Partial<WorkspaceBinding>): Promise<void> {
    await this.store.update(Bindings.workspaceKey(folder), change);
    await this.apply(folder);
  }

  async bind(folder: vscode.WorkspaceFolder, adapters: BoundAdapter[]): Promise<void> {
    for (const a of adapters) this.adapter(a.dir, true);
    await this.set(folder, { adapters });
  }

  /** Tells the runtime what this folder completes with (recorded now, sent when the runtime runs). */
  async apply(folder: vscode.WorkspaceFolder): Promise<void> {
    const workspace = Bindings.workspaceKey(folder);
    const binding = this.get(folder);
    const missing = binding.adapters.filter((a) => !this.adapter(a.dir));
    for (const a of missing)
      this.warn(`Adapter ${a.dir} no longer exists; ${folder.name} uses the rest of its stack.`);
    const weighted = toWeightedAdapters(binding, (dir) => this.adapter(dir)?.key ?? null);
    this.scopes.set(workspace, JSON.stringify(weighted));
    this.log.log("info", "binding.apply", {
      workspace,
      adapters: binding.adapters,
      disabled: binding.disabled,
    });
    try {
      for (const a of binding.adapters) {
        const info = this.adapter(a.dir);
        if (info) await this.runtime.loadAdapter(info.key, info.dir);
      }
      await this.runtime.setWorkspaceAdapters(workspace, weighted);
    } catch (error) {
      this.warn(`Could not switch ${folder.name} to its adapters: ${(error as Error).message}`);
    } finally {
      this.changed.fire();
    }
  }

  async applyAll(): Promise<void> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) await this.apply(folder);
  }
}
