/**
 * Feeds the context ring from the editor: a chunk around the cursor when the user leaves an editor or saves,
 * and around an edit once editing there pauses; a timer moves one queued chunk into the ring per tick.
 */
import * as vscode from "vscode";
import type { ContextRing } from "../core/context-ring.ts";
import { isEnabledFor, type Settings } from "../core/settings.ts";

const EDIT_PAUSE_MS = 1500;
const TICK_MS = 1000;

export function startContextFeed(ring: ContextRing, settings: () => Settings): vscode.Disposable {
  const editTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const eligible = (doc: vscode.TextDocument) =>
    (doc.uri.scheme === "file" || doc.uri.scheme === "vscode-remote") &&
    doc.lineCount > 2 &&
    isEnabledFor(settings(), doc.languageId);
  const pick = (doc: vscode.TextDocument, line: number) => {
    if (!eligible(doc)) return;
    ring.pick(
      { uri: doc.uri.toString(), path: vscode.workspace.asRelativePath(doc.uri, false), text: doc.getText() },
      line,
    );
  };
  const cursorLine = (doc: vscode.TextDocument) => {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    return editor?.selection.active.line ?? 0;
  };

  let previous = vscode.window.activeTextEditor;
  const disposables: vscode.Disposable[] = [
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (previous) pick(previous.document, previous.selection.active.line);
      if (editor) pick(editor.document, editor.selection.active.line);
      previous = editor;
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => pick(doc, cursorLine(doc))),
    vscode.workspace.onDidChangeTextDocument((event) => {
      const change = event.contentChanges[0];
      if (!change || !eligible(event.document)) return;
      const key = event.document.uri.toString();
      clearTimeout(editTimers.get(key));
      const line = change.range.start.line;
      editTimers.set(
        key,
        setTimeout(() => {
          editTimers.delete(key);
          pick(event.document, line);
        }, EDIT_PAUSE_MS),
      );
    }),
    vscode.workspace.onDidDeleteFiles((event) => {
      for (const uri of event.files) ring.forget(uri.toString());
    }),
  ];
  // Files open at start-up are the first context.
  for (const editor of vscode.window.visibleTextEditors) pick(editor.document, editor.selection.active.line);
  const tick = setInterval(() => ring.tick(), TICK_MS);
  return {
    dispose() {
      clearInterval(tick);
      for (const timer of editTimers.values()) clearTimeout(timer);
      for (const d of disposables) d.dispose();
    },
  };
}
