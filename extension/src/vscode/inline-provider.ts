/** The editor side of completions: document + position → CompletionInput → ghost text. */
import * as vscode from "vscode";
import type { Logger } from "../core/log.ts";
import type { Completion, CompletionInput, CompletionPipeline } from "../core/pipeline.ts";
import { answersTrigger, isEnabledFor, type Settings } from "../core/settings.ts";
import { Bindings } from "./bindings.ts";

export interface ProviderDeps {
  pipeline: CompletionPipeline;
  bindings: Bindings;
  settings: () => Settings;
  /** False until a model package is configured (the caller tells the user once). */
  ready: () => boolean;
  onCompletion: (completion: Completion) => void;
  log: Logger;
}

export const ACCEPTED_COMMAND = "repolora._accepted";

/** What the pipeline needs of a document at a position (the text around it, its workspace and path). */
export function completionInputAt(
  document: vscode.TextDocument,
  position: vscode.Position,
  folder: vscode.WorkspaceFolder | undefined,
  explicit: boolean,
): CompletionInput {
  const text = document.getText();
  const offset = document.offsetAt(position);
  return {
    workspace: folder ? Bindings.workspaceKey(folder) : "",
    documentUri: document.uri.toString(),
    path: vscode.workspace.asRelativePath(document.uri, false),
    languageId: document.languageId,
    repoName: folder?.name ?? "",
    prefix: text.slice(Math.max(0, offset - 100_000), offset),
    suffix: text.slice(offset, offset + 50_000),
    line: position.line,
    explicit,
  };
}

export class RepoLoraInlineProvider implements vscode.InlineCompletionItemProvider {
  constructor(private readonly deps: ProviderDeps) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | null> {
    const settings = this.deps.settings();
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    if (!answersTrigger(settings, explicit ? "explicit" : "automatic")) return null;
    if (!isEnabledFor(settings, document.languageId)) return null;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (folder && this.deps.bindings.get(folder).disabled) return null;
    if (!this.deps.ready()) return null;

    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    if (token.isCancellationRequested) controller.abort();
    try {
      const completion = await this.deps.pipeline.complete(
        completionInputAt(document, position, folder, explicit),
        controller.signal,
      );
      if (!completion || token.isCancellationRequested) return null;
      this.deps.onCompletion(completion);
      const item = new vscode.InlineCompletionItem(completion.text, new vscode.Range(position, position));
      item.command = {
        command: ACCEPTED_COMMAND,
        title: "accepted",
        arguments: [
          { path: document.uri.toString(), chars: completion.text.length, source: completion.source },
        ],
      };
      return [item];
    } catch (error) {
      this.deps.log.log("error", "provider.error", { error });
      return null;
    } finally {
      subscription.dispose();
    }
  }
}
