import { describe, expect, it } from "vitest";
import type { Span } from "../../parse/types.ts";
import { DENSITY_LEVELS } from "../density.ts";
import { DEFAULT_SAMPLING } from "../examples.ts";
import type { SnapshotFile } from "../snapshot.ts";
import type { BuildContext } from "./context.ts";
import { withinBudget } from "./make-examples.ts";
import { densitySection } from "./manifest.ts";
import { type FileDraw, keptSpans } from "./split-rows.ts";

function draw(path: string, count: number, calls: string[]): FileDraw {
  const spans: Span[] = Array.from({ length: count }, (_, i) => ({
    kind: "statement",
    start: i,
    end: i + 1,
  }));
  return {
    file: { path } as SnapshotFile,
    onlyLines: undefined,
    spans: () => {
      calls.push(path);
      return spans;
    },
    limit: null,
  };
}

describe("budget stage", () => {
  it("draws nothing without a budget, so cached files are never parsed for spans", () => {
    const calls: string[] = [];
    const result = withinBudget([draw("a.ts", 5, calls), draw("b.ts", 3, calls)], null, 1);
    expect(calls).toEqual([]);
    expect(result.dropped).toBe(0);
    expect(result.draws.map((d) => d.limit)).toEqual([null, null]);
  });

  it("cuts each file to a prefix of its draws and counts what it dropped", () => {
    const calls: string[] = [];
    const draws = [draw("a.ts", 30, calls), draw("b.ts", 10, calls), draw("c.ts", 2, calls)];
    const result = withinBudget(draws, 21, 1);
    expect(result.dropped).toBe(42 - 21);
    const kept = result.draws.map(keptSpans);
    expect(kept.map((spans) => spans.length)).toEqual([15, 5, 1]);
    expect(kept[0]).toEqual(draws[0]!.spans().slice(0, 15));
  });

  it("leaves files alone when the budget is not reached", () => {
    const calls: string[] = [];
    const result = withinBudget([draw("a.ts", 4, calls)], 10, 1);
    expect(result.draws[0]!.limit).toBeNull();
    expect(result.dropped).toBe(0);
  });
});

describe("manifest density section", () => {
  const context = (density: number, maxExamples: number | null) =>
    ({ sampling: { ...DEFAULT_SAMPLING, density }, options: { maxExamples } }) as unknown as BuildContext;
  const perFile = { train: [3, 0, 9], eval: [1] };

  it("names the level and summarises the files per split", () => {
    expect(densitySection(context(DENSITY_LEVELS.dense, 500), { budgetDropped: 7, perFile })).toEqual({
      level: "dense",
      examplesPer100Lines: 32,
      evalLevel: "sparse",
      evalExamplesPer100Lines: 4,
      linesCountedPerFile: 1000,
      maxExamples: 500,
      budgetDropped: 7,
      perFile: {
        train: { files: 2, mean: 6, median: 9, p90: 9, max: 9 },
        eval: { files: 1, mean: 1, median: 1, p90: 1, max: 1 },
      },
    });
  });

  it("writes `all` as null examples per 100 lines (JSON has no Infinity)", () => {
    const section = densitySection(context(DENSITY_LEVELS.all, null), { budgetDropped: 0, perFile });
    expect(section).toMatchObject({ level: "all", examplesPer100Lines: null, maxExamples: null });
  });
});
