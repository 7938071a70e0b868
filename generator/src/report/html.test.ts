import { describe, expect, it } from "vitest";
import { ReportCard } from "../../../runtime/src/contracts/report-card.ts";
import { metricChart, reportHtml } from "./html.ts";

const report = ReportCard.parse({
  examples: 30,
  systems: {
    base: { exactMatch: 0.1, editSimilarity: 0.4, identifierEm: 0.2, identifierF1: 0.3 },
    adapter: { exactMatch: 0.2, editSimilarity: 0.5, identifierEm: 0.25, identifierF1: 0.35 },
  },
  deltas: {
    "adapter-base": {
      exactMatch: { mean: 0.1, low: 0.0, high: 0.2 },
      editSimilarity: { mean: 0.1, low: 0.02, high: 0.18 },
    },
  },
  verdict: { adapterBetter: true, significant: true },
});

describe("HTML report card", () => {
  it("draws one bar per system with its value, scaled to the metric", () => {
    const svg = metricChart(report, "editSimilarity");
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain(">0.400<");
    expect(svg).toContain(">0.500<");
    // 0.5 of the 220 px scale = 110 px; 0.4 = 88 px
    expect(svg).toContain('width="110.0"');
    expect(svg).toContain('width="88.0"');
  });

  it("tabulates every metric with the intervals and escapes names", () => {
    const html = reportHtml(report, "Report <card>");
    expect(html).toContain("<title>Report &#60;card&#62;</title>");
    expect(html).toContain("+0.100 [0.020, 0.180]");
    expect(html).toContain("Better than base");
    expect(html.match(/<figure>/g)).toHaveLength(4);
    expect(html).not.toContain("<script");
  });
});
