import { describe, expect, it } from "vitest";
import type { Span } from "../parse/types.ts";
import {
  allocateBudget,
  DENSITY_LEVELS,
  densityLevel,
  examplesWanted,
  LINES_COUNTED_PER_FILE,
  parseDensity,
  perFileStats,
} from "./density.ts";
import { DEFAULT_SAMPLING, lineStarts, pickSpans, sampleSpans } from "./examples.ts";

describe("density", () => {
  it("reads a number or a level and refuses anything else", () => {
    expect(parseDensity("dense")).toBe(DENSITY_LEVELS.dense);
    expect(parseDensity("2.5")).toBe(2.5);
    expect(parseDensity("all")).toBe(Number.POSITIVE_INFINITY);
    for (const bad of ["0", "-3", "", "lots", "Infinity"]) expect(() => parseDensity(bad)).toThrow(/density/);
    expect(densityLevel(4)).toBe("sparse");
    expect(densityLevel(5)).toBe("custom");
  });

  it("asks for examples in proportion to a file's lines, at least one, up to its spans", () => {
    expect(examplesWanted(10, 200, 1000)).toBe(20);
    expect(examplesWanted(10, 400, 1000)).toBe(40);
    expect(examplesWanted(10, 3, 1000)).toBe(1);
    expect(examplesWanted(10, 400, 7)).toBe(7);
    expect(examplesWanted(10, 400, 0)).toBe(0);
    // Lines past the counted maximum add nothing; `all` takes every span.
    expect(examplesWanted(10, 5 * LINES_COUNTED_PER_FILE, 10_000)).toBe(LINES_COUNTED_PER_FILE / 10);
    expect(examplesWanted(DENSITY_LEVELS.all, 5, 123)).toBe(123);
    expect(examplesWanted(DENSITY_LEVELS.all, 4 * LINES_COUNTED_PER_FILE, 600)).toBe(150);
  });

  it("keeps the sparse level's former counts: one per 25 lines, at most 40", () => {
    expect(examplesWanted(DENSITY_LEVELS.sparse, 100, 1000)).toBe(4);
    expect(examplesWanted(DENSITY_LEVELS.sparse, 5000, 1000)).toBe(40);
  });
});

describe("budget", () => {
  const keys = ["a.ts", "b.ts", "c.ts", "d.ts"];

  it("leaves counts under the budget alone", () => {
    expect(allocateBudget([3, 5, 0, 2], keys, 10, 1)).toEqual([3, 5, 0, 2]);
    expect(allocateBudget([3, 5, 0, 2], keys, null, 1)).toEqual([3, 5, 0, 2]);
  });

  it("scales every file alike to exactly the budget, never above a file's own count", () => {
    const wanted = [40, 20, 10, 30];
    const counts = allocateBudget(wanted, keys, 50, 1);
    expect(counts.reduce((s, n) => s + n, 0)).toBe(50);
    expect(counts).toEqual([20, 10, 5, 15]);
    const odd = allocateBudget([7, 7, 7, 1], keys, 5, 1);
    expect(odd.reduce((s, n) => s + n, 0)).toBe(5);
    // 7 × 5/22 = 1.6 each: floors of 1, the two left over go to the largest remainders (0.6 > 0.23).
    expect([...odd].sort()).toEqual([0, 1, 2, 2]);
    expect(odd[3]).toBe(0);
  });

  it("breaks ties by a seeded hash: deterministic for a seed, varying with it", () => {
    const wanted = Array.from({ length: 40 }, () => 3);
    const names = wanted.map((_, i) => `src/f${i}.ts`);
    const once = allocateBudget(wanted, names, 30, 1);
    expect(allocateBudget(wanted, names, 30, 1)).toEqual(once);
    expect(once.reduce((s, n) => s + n, 0)).toBe(30);
    const seeds = [2, 3, 4].map((seed) => allocateBudget(wanted, names, 30, seed));
    expect(seeds.some((counts) => counts.join() !== once.join())).toBe(true);
  });
});

describe("drawing spans", () => {
  const text = Array.from({ length: 200 }, (_, i) => `let v${i} = ${i};`).join("\n");
  const starts = lineStarts(text);
  const spans: Span[] = Array.from({ length: 200 }, (_, i) => ({
    kind: i % 3 === 0 ? "statement" : "expression",
    start: starts[i]!,
    end: starts[i]! + `let v${i} = ${i};`.length,
  }));
  const request = { key: "f", text, spans };

  it("draws density × lines / 100 spans, a prefix of a denser draw", () => {
    const sparse = pickSpans(request, { ...DEFAULT_SAMPLING, density: 5 });
    const dense = pickSpans(request, { ...DEFAULT_SAMPLING, density: 20 });
    expect(sparse).toHaveLength(10);
    expect(dense).toHaveLength(40);
    expect(dense.slice(0, 10)).toEqual(sparse);
    expect(sampleSpans(request, { ...DEFAULT_SAMPLING, density: DENSITY_LEVELS.all })).toHaveLength(200);
  });
});

describe("per-file statistics", () => {
  it("summarises the files that gave examples", () => {
    expect(perFileStats([0, 1, 2, 3, 10])).toEqual({ files: 4, mean: 4, median: 3, p90: 10, max: 10 });
    expect(perFileStats([])).toEqual({ files: 0, mean: 0, median: 0, p90: 0, max: 0 });
  });
});
