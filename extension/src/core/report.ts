/** The report card as HTML for a webview: base model vs adapter on the repository's held-out code. */
import { METRICS, metricHeading } from "../../../runtime/src/contracts/report-card.ts";
import type { AdapterInfo, ReportCard } from "./adapters.ts";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function fmt(value: unknown, digits = 3): string {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "–";
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(3)}`;
}

/** A plain-text summary (notifications, the log). */
export function summarizeReport(report: ReportCard | null): string {
  const adapter = report?.systems?.adapter?.editSimilarity;
  const base = report?.systems?.base?.editSimilarity;
  if (typeof adapter !== "number" || typeof base !== "number") return "no report card";
  const verdict = report?.verdict?.adapterBetter ? "better than" : "not better than";
  return `edit similarity ${adapter.toFixed(3)} vs base ${base.toFixed(3)} on ${report?.examples ?? "?"} held-out examples: ${verdict} base`;
}

export function renderReportHtml(
  adapter: AdapterInfo,
  options: { cspSource?: string; nonce?: string } = {},
): string {
  const report = adapter.report;
  const systems = Object.keys(report?.systems ?? {});
  const rows = METRICS.map((metric) => {
    const cells = systems.map((s) => `<td>${fmt(report?.systems?.[s]?.[metric])}</td>`).join("");
    const delta = report?.deltas?.["adapter-base"]?.[metric];
    const deltaCell = delta
      ? `<td class="${delta.low > 0 ? "up" : delta.high < 0 ? "down" : ""}">${signed(delta.mean)} <small>[${signed(delta.low)}, ${signed(delta.high)}]</small></td>`
      : "<td>–</td>";
    return `<tr><th>${metricHeading(metric)}</th>${cells}${deltaCell}</tr>`;
  }).join("\n");
  const lossRow = `<tr><th>Eval loss</th>${systems.map((s) => `<td>${fmt(report?.systems?.[s]?.loss)}</td>`).join("")}<td></td></tr>`;
  const verdict = report?.verdict;
  const verdictText = !report
    ? "This adapter has no report card."
    : verdict
      ? `${verdict.adapterBetter ? '<strong class="up">Better than base:</strong> the adapter beats the base model' : '<strong class="down">Not better than base:</strong> the adapter does not beat the base model'} on this repository's held-out code${verdict.significant ? " (significant at 95%)" : ""}.`
      : "No verdict in the report card.";
  const samples = (report?.samples ?? [])
    .slice(0, 5)
    .map(
      (sample) =>
        `<details><summary>${escapeHtml(sample.path)}</summary><table class="samples">` +
        `<tr><th>reference</th><td><pre>${escapeHtml(sample.reference)}</pre></td></tr>` +
        Object.entries(sample.predictions)
          .map(
            ([name, text]) => `<tr><th>${escapeHtml(name)}</th><td><pre>${escapeHtml(text)}</pre></td></tr>`,
          )
          .join("") +
        "</table></details>",
    )
    .join("\n");
  const csp = options.cspSource
    ? `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${options.cspSource} 'unsafe-inline';">`
    : "";
  const repo = adapter.repo;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">${csp}
<title>RepoLoRA report: ${escapeHtml(adapter.name)}</title>
<style>
body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground); padding: 0 1.5em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--vscode-panel-border, #8884); text-align: right; }
th:first-child { text-align: left; }
.up { color: var(--vscode-testing-iconPassed, green); } .down { color: var(--vscode-testing-iconFailed, red); }
pre { margin: 0; white-space: pre-wrap; text-align: left; font-family: var(--vscode-editor-font-family, monospace); }
.samples td { text-align: left; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
</style></head>
<body>
<h1>Report card: ${escapeHtml(adapter.name)}</h1>
<p>${verdictText}</p>
<dl>
<dt>Repository</dt><dd>${escapeHtml(repo.remote ?? repo.root ?? "?")}</dd>
<dt>Commit</dt><dd title="${escapeHtml(repo.head ?? "")}">${escapeHtml(repo.head?.slice(0, 12) ?? "?")}</dd>
<dt>Trained</dt><dd>${escapeHtml(repo.trainedAt ?? "?")}</dd>
<dt>Base model</dt><dd>${escapeHtml(adapter.baseModel ?? "?")}</dd>
<dt>LoRA rank</dt><dd>${adapter.rank ?? "?"}</dd>
<dt>Held-out examples</dt><dd>${report?.examples ?? "?"}</dd>
<dt>Folder</dt><dd>${escapeHtml(adapter.dir)}</dd>
</dl>
${
  report
    ? `<table><tr><th>metric</th>${systems.map((s) => `<th>${escapeHtml(s)}</th>`).join("")}<th>adapter − base [95% CI]</th></tr>
${rows}
${lossRow}
</table>`
    : ""
}
${samples ? `<h2>Samples</h2>\n${samples}` : ""}
</body></html>`;
}
