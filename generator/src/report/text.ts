/**
 * The report card as a plain-text table for the terminal (`repolora train` and `repolora eval` print it to
 * stdout): one row per metric, one column per system, then each delta with its 95% interval, then the verdict
 * and its note. The one table of the report card: the trainer writes report.json and prints none.
 */
import { METRIC_LABELS, METRICS, type ReportCard } from "../../../runtime/src/contracts/report-card.ts";

const num = (v: unknown) => (typeof v === "number" ? v.toFixed(3) : "-");
const signed = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(3)}`;
const BASELINE_NAMES: Record<string, string> = {
  base: "the raw base model",
  default: "the default system (base + default adapter)",
};

export function reportTable(report: ReportCard): string {
  const systems = Object.keys(report.systems);
  const deltas = Object.keys(report.deltas);
  const label = 24;
  const header =
    "metric".padEnd(label) +
    systems.map((s) => s.padStart(10)).join("") +
    deltas.map((d) => `  ${`${d} [95% CI]`.padStart(28)}`).join("");
  const rows = [...METRICS, "nll" as const].map((metric) => {
    const name = metric === "nll" ? "NLL nats/token" : METRIC_LABELS[metric];
    const values = systems.map((s) => num(report.systems[s]?.[metric]).padStart(10)).join("");
    const intervals = deltas
      .map((d) => {
        const ci = report.deltas[d]?.[metric];
        const cell =
          ci && "mean" in ci && "low" in ci && "high" in ci
            ? `${signed(Number(ci.mean))} [${signed(Number(ci.low))}, ${signed(Number(ci.high))}]`
            : "-";
        return `  ${cell.padStart(28)}`;
      })
      .join("");
    return name.padEnd(label) + values + intervals;
  });
  const nllExamples = typeof report.nllExamples === "number" ? report.nllExamples : "?";
  const lines = [
    `report card: completions on ${report.examples} held-out examples, NLL on ${nllExamples} (paired 95% bootstrap intervals)`,
    header,
    ...rows,
  ];
  if (report.verdict) {
    const system = typeof report.verdict.system === "string" ? report.verdict.system : "adapter";
    const word = report.verdict.adapterBetter ? "better than" : "not better than";
    const named = typeof report.verdict.baseline === "string" ? report.verdict.baseline : "base";
    const baseline = BASELINE_NAMES[named] ?? named;
    const reason = typeof report.verdict.reason === "string" ? `: ${report.verdict.reason}` : "";
    lines.push(`verdict: ${system} is ${word} ${baseline}${reason}`);
    if (typeof report.verdict.note === "string" && report.verdict.note !== "")
      lines.push(`note: ${report.verdict.note}`);
  }
  return lines.join("\n");
}
