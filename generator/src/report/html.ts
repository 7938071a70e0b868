/**
 * A self-contained HTML report card: the numbers as a table and one bar chart (inline SVG) per metric, base vs
 * adapter (vs control). No scripts, no external assets, so it opens anywhere and can be attached to an issue.
 */
import { METRIC_LABELS, METRICS, type ReportCard } from "../../../runtime/src/contracts/report-card.ts";

const COLORS = ["#8a8f98", "#2f7de1", "#e1892f", "#3aa655"];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One horizontal bar per system, scaled to [0, 1] (every metric here is a rate). */
export function metricChart(report: ReportCard, metric: (typeof METRICS)[number]): string {
  const systems = Object.keys(report.systems);
  const width = 360;
  const bar = 18;
  const gap = 6;
  const label = 90;
  const height = systems.length * (bar + gap) + gap;
  const rows = systems.map((name, i) => {
    const value = report.systems[name]![metric] as number;
    const y = gap + i * (bar + gap);
    const length = Math.max(0, Math.min(1, value)) * (width - label - 50);
    return (
      `<text x="0" y="${y + bar - 5}" font-size="12">${escapeHtml(name)}</text>` +
      `<rect x="${label}" y="${y}" width="${length.toFixed(1)}" height="${bar}" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${(label + length + 4).toFixed(1)}" y="${y + bar - 5}" font-size="12">${value.toFixed(3)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${METRIC_LABELS[metric]}">${rows.join("")}</svg>`;
}

export function reportHtml(report: ReportCard, title: string): string {
  const systems = Object.keys(report.systems);
  const deltas = Object.keys(report.deltas);
  const interval = (delta: string, metric: string) => {
    const ci = report.deltas[delta]?.[metric] as { mean: number; low: number; high: number } | undefined;
    return ci
      ? `${ci.mean >= 0 ? "+" : ""}${ci.mean.toFixed(3)} [${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}]`
      : "–";
  };
  const header = `<tr><th>metric</th>${systems.map((s) => `<th>${escapeHtml(s)}</th>`).join("")}${deltas
    .map((d) => `<th>${escapeHtml(d)} [95% CI]</th>`)
    .join("")}</tr>`;
  const rows = METRICS.map(
    (m) =>
      `<tr><td>${METRIC_LABELS[m]}</td>${systems
        .map((s) => `<td>${(report.systems[s]![m] as number).toFixed(3)}</td>`)
        .join("")}${deltas.map((d) => `<td>${interval(d, m)}</td>`).join("")}</tr>`,
  );
  const verdict = report.verdict
    ? `<p><strong>${report.verdict.adapterBetter ? "Better than base" : "Not better than base"}</strong>${
        report.verdict.significant ? " (the 95% interval of the edit-similarity gain is above 0)" : ""
      }.</p>`
    : "";
  const charts = METRICS.map(
    (m) => `<figure><figcaption>${METRIC_LABELS[m]}</figcaption>${metricChart(report, m)}</figure>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}figure{display:inline-block;margin:1em 2em 1em 0}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${report.examples} held-out examples (code that entered the repository after the cutoff).</p>
${verdict}
<table>${header}${rows.join("")}</table>
${charts.join("\n")}
</body></html>
`;
}
