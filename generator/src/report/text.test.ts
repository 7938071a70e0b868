import { describe, expect, it } from "vitest";
import { ReportCard } from "../../../runtime/src/contracts/report-card.ts";
import { reportTable } from "./text.ts";

const interval = (mean: number, low: number, high: number) => ({ mean, low, high });

/** A report.json as the trainer writes it (build_report), trimmed to what the table reads. */
function report(verdict: Record<string, unknown> | null): ReportCard {
  return ReportCard.parse({
    examples: 4,
    nllExamples: 4,
    baseline: "base",
    systems: {
      base: { exactMatch: 0.25, editSimilarity: 0.5, identifierEm: 0.25, identifierF1: 0.5, nll: 2.5 },
      adapter: { exactMatch: 0.75, editSimilarity: 0.875, identifierEm: 0.75, identifierF1: 0.9 },
    },
    deltas: {
      "adapter-base": {
        exactMatch: interval(0.5, 0, 1),
        editSimilarity: interval(0.375, 0.125, 0.625),
        editSimilarityWins: { better: 2, worse: 0, same: 2 },
        nll: interval(-0.95, -1.2, -0.7),
      },
    },
    verdict,
  });
}

describe("reportTable", () => {
  const better = {
    adapterBetter: true,
    significant: true,
    system: "adapter",
    baseline: "base",
    reason: "NLL interval below 0",
    note: "only 4 held-out examples",
  };

  it("shows each system's metrics, each delta with its interval, and the verdict with its note", () => {
    const lines = reportTable(report(better)).split("\n");
    expect(lines[0]).toBe(
      "report card: completions on 4 held-out examples, NLL on 4 (paired 95% bootstrap intervals)",
    );
    expect(lines[1]).toMatch(/^metric\s+base\s+adapter\s+adapter-base \[95% CI\]$/);
    expect(lines[2]).toMatch(/^exact match\s+0\.250\s+0\.750\s+\+0\.500 \[\+0\.000, \+1\.000\]$/);
    // A metric a system lacks (the adapter's NLL here) and a delta without an interval show "-".
    expect(lines[4]).toMatch(/^identifier exact match\s+0\.250\s+0\.750\s+-$/);
    expect(lines[6]).toMatch(/^NLL nats\/token\s+2\.500\s+-\s+-0\.950 \[-1\.200, -0\.700\]$/);
    expect(lines.slice(7)).toEqual([
      "verdict: adapter is better than the raw base model: NLL interval below 0",
      "note: only 4 held-out examples",
    ]);
  });

  it("names the default system as the baseline, and any other baseline by its name", () => {
    const vsDefault = { adapterBetter: false, significant: false, baseline: "default" };
    expect(reportTable(report(vsDefault))).toMatch(
      /\nverdict: adapter is not better than the default system \(base \+ default adapter\)$/,
    );
    const vsPrevious = { adapterBetter: true, significant: true, system: "updated", baseline: "previous" };
    expect(reportTable(report(vsPrevious))).toMatch(/\nverdict: updated is better than previous$/);
  });

  it("prints no verdict line for a report without one (a stack's card)", () => {
    expect(reportTable(report(null))).not.toMatch(/verdict/);
  });
});
