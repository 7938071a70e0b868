/**
 * Per-workspace-folder adapter bindings: stored in workspace state, applied to the runtime (loadAdapter +
 * setWorkspaceAdapters) when the extension starts, when folders are added, when the user switches, and when
 * the registry's active adapter changes. A folder whose adapters were never chosen follows the registry: it
 * completes with its repository's active adapter (`<adapters dir>/<repo key>/active.json`), as the CLI does.
 */
import * as vscode from "vscode";
import { type AdapterInfo, readAdapter } from "../core/adapters.ts";
import {
  BindingStore,
  type BoundAdapter,
  bindingLabel,
  effectiveBinding,
  toWeightedAdapters,
  type WorkspaceBinding,
} from "../core/binding.ts";
import type { Logger } from "../core/log.ts";
import { activeAdapterFor, type RepoIdentity, readRegistry, repoIdentity } from "../core/registry.ts";
import type { RuntimeSupervisor } from "../core/runtime-supervisor.ts";

export class Bindings implements vscode.Disposable {
  private readonly store: BindingStore;
  private readonly scopes = new Map<string, string>();
  private readonly adapters = new Map<string, AdapterInfo | null>();
  /** Per workspace: the registry's active adapter for its repository (null: none), as last read. */
  private readonly defaults = new Map<string, string | null>();
  private readonly identities = new Map<string, Promise<RepoIdentity>>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    state: vscode.Memento,
    private readonly runtime: RuntimeSupervisor,
    private readonly log: Logger,
    private readonly warn: (message: string) => void,
    private readonly registry: { root: () => string; known: () => string[] },
  ) {
    this.store = new BindingStore(state);
  }

  dispose(): void {
    this.changed.dispose();
  }

  static workspaceKey(folder: vscode.WorkspaceFolder): string {
    return folder.uri.toString();
  }

  /** The binding that applies: the folder's explicit choice, else the registry's active adapter. */
  get(folder: vscode.WorkspaceFolder): WorkspaceBinding {
    const workspace = Bindings.workspaceKey(folder);
    return effectiveBinding(this.store.get(workspace), this.defaults.get(workspace) ?? null);
  }

  /** True while the folder follows the registry (no explicit choice). */
  followsRegistry(folder: vscode.WorkspaceFolder): boolean {
    return this.store.get(Bindings.workspaceKey(folder)).explicit === false;
  }

  /** The folder's repository as the CLI keys it (git root, remote, registry key); read once per session. */
  identity(folder: vscode.WorkspaceFolder): Promise<RepoIdentity> {
    const workspace = Bindings.workspaceKey(folder);
    let identity = this.identities.get(workspace);
    if (!identity) {
      identity = repoIdentity(folder.uri.fsPath);
      this.identities.set(workspace, identity);
    }
    return identity;
  }

  /** Re-reads the registry's active adapter for the folder's repository (never throws). */
  private async refreshDefault(folder: vscode.WorkspaceFolder): Promise<void> {
    const workspace = Bindings.workspaceKey(folder);
    try {
      const identity = await this.identity(folder);
      const listing = readRegistry(this.registry.root(), this.registry.known(), this.log);
      const active = activeAdapterFor(listing, identity)?.dir ?? null;
      if (this.defaults.get(workspace) !== active) {
        this.log.log("info", "binding.registryDefault", {
          workspace,
          repoKey: identity.key,
          adapter: active,
        });
        if (active) this.adapter(active, true);
      }
      this.defaults.set(workspace, active);
    } catch (error) {
      this.log.log("warn", "binding.registryDefault.error", { workspace, error });
    }
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
    await this.set(folder, { adapters, explicit: true });
  }

  /** Forgets the folder's choice: it completes with its repository's active adapter again. */
  async followRegistry(folder: vscode.WorkspaceFolder): Promise<void> {
    await this.set(folder, { explicit: false });
  }

  /** Tells the runtime what this folder completes with (recorded now, sent when the runtime runs). */
  async apply(folder: vscode.WorkspaceFolder): Promise<void> {
    const workspace = Bindings.workspaceKey(folder);
    await this.refreshDefault(folder);
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
      source: binding.explicit === false ? "registry" : "chosen",
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
