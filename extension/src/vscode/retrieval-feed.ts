/**
 * Keeps the workspace retrieval index (core/workspace-index.ts) current, off the keystroke path: an edited
 * document is re-cut after a pause, a saved one at once, and files created, changed or deleted on disk (a
 * checkout, a generator) through a file watcher. Nothing runs while `repolora.retrieval.enabled` is off.
 */
import * as vscode from "vscode";
import type { Settings } from "../core/settings.ts";
import type { WorkspaceRetriever } from "../core/workspace-index.ts";

const EDIT_PAUSE_MS = 1500;

/** `refresh()`: call after the settings changed (turns the watcher on or off, drops the indexes when off). */
export function startRetrievalFeed(
  retriever: WorkspaceRetriever,
  settings: () => Settings,
): vscode.Disposable & { refresh(): void } {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const enabled = () => settings().retrieval.enabled;
  const locate = (uri: vscode.Uri) => {
    if (uri.scheme !== "file") return null;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder
      ? { workspace: folder.uri.toString(), path: vscode.workspace.asRelativePath(uri, false) }
      : null;
  };
  const fromEditor = (doc: vscode.TextDocument) => {
    const where = enabled() ? locate(doc.uri) : null;
    if (where) retriever.changed(where.workspace, where.path, doc.getText());
  };

  let watcher: vscode.FileSystemWatcher | null = null;
  const watch = () => {
    if (!enabled()) {
      watcher?.dispose();
      watcher = null;
      return;
    }
    if (watcher) return;
    watcher = vscode.workspace.createFileSystemWatcher("**/*");
    const onDisk = (created: boolean) => (uri: vscode.Uri) => {
      const where = locate(uri);
      if (where) void retriever.changedOnDisk(where.workspace, where.path, created);
    };
    watcher.onDidCreate(onDisk(true));
    watcher.onDidChange(onDisk(false));
    watcher.onDidDelete((uri) => {
      const where = locate(uri);
      if (where) retriever.deleted(where.workspace, where.path);
    });
  };
  watch();

  const disposables: vscode.Disposable[] = [
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (!enabled() || event.contentChanges.length === 0) return;
      const key = event.document.uri.toString();
      clearTimeout(timers.get(key));
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          fromEditor(event.document);
        }, EDIT_PAUSE_MS),
      );
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      clearTimeout(timers.get(doc.uri.toString()));
      timers.delete(doc.uri.toString());
      fromEditor(doc);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders((event) => {
      for (const folder of event.removed) retriever.drop(folder.uri.toString());
    }),
  ];
  return {
    refresh() {
      if (!enabled()) retriever.dispose();
      watch();
    },
    dispose() {
      for (const timer of timers.values()) clearTimeout(timer);
      watcher?.dispose();
      for (const d of disposables) d.dispose();
      retriever.dispose();
    },
  };
}
