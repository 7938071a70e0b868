/** The report card in a webview panel (one panel, reused). */
import * as vscode from "vscode";
import type { AdapterInfo } from "../core/adapters.ts";
import { renderReportHtml } from "../core/report.ts";

let panel: vscode.WebviewPanel | undefined;

export function showReport(adapter: AdapterInfo): void {
  if (!panel) {
    panel = vscode.window.createWebviewPanel("repolora.report", "RepoLoRA report", vscode.ViewColumn.Beside, {
      enableScripts: false,
    });
    panel.onDidDispose(() => {
      panel = undefined;
    });
  }
  panel.title = `Report: ${adapter.name}`;
  panel.webview.html = renderReportHtml(adapter, { cspSource: panel.webview.cspSource });
  panel.reveal(vscode.ViewColumn.Beside, true);
}

export function disposeReportView(): void {
  panel?.dispose();
}
