/**
 * The editor side of warming up (core/warm-up.ts, CompletionPipeline.warm): cursor and edit events in, a
 * warm-up request for the place the cursor rests at out — for the same documents completions are asked for.
 */
import * as vscode from "vscode";
import type { CompletionPipeline } from "../core/pipeline.ts";
import { answersTrigger, isEnabledFor, type Settings } from "../core/settings.ts";
import { type CursorEvent, WarmUpTrigger } from "../core/warm-up.ts";
import type { Bindings } from "./bindings.ts";
import { completionInputAt } from "./inline-provider.ts";

/** The schemes the inline completion provider is registered for. */
const SCHEMES = new Set(["file", "untitled", "vscode-remote"]);

export interface WarmUpDeps {
  pipeline: CompletionPipeline;
  bindings: Bindings;
  settings: () => Settings;
  ready: () => boolean;
}

export function registerWarmUp(deps: WarmUpDeps): vscode.Disposable {
  const warmAt = (event: CursorEvent) => {
    const settings = deps.settings();
    if (!deps.ready() || !answersTrigger(settings, "automatic")) return;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === event.uri);
    if (!document || document.version !== event.version || !isEnabledFor(settings, document.languageId))
      return;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (folder && deps.bindings.get(folder).disabled) return;
    const input = completionInputAt(document, document.positionAt(event.offset), folder, false);
    void deps.pipeline.warm(input, new AbortController().signal);
  };
  const trigger = new WarmUpTrigger(() => deps.settings().completion.warmUpMs, warmAt);
  return vscode.Disposable.from(
    vscode.window.onDidChangeTextEditorSelection((e) => {
      const [selection] = e.selections;
      const scheme = e.textEditor.document.uri.scheme;
      if (!SCHEMES.has(scheme) || e.selections.length !== 1 || !selection?.isEmpty) {
        trigger.cancel();
        return;
      }
      const document = e.textEditor.document;
      trigger.cursorMoved({
        uri: document.uri.toString(),
        version: document.version,
        offset: document.offsetAt(selection.active),
      });
    }),
    vscode.workspace.onDidChangeTextDocument((e) => trigger.edited(e.document.uri.toString())),
    { dispose: () => trigger.cancel() },
  );
}
