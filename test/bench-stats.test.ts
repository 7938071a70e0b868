/** The benchmark's statistics and renderings, on hand-computed cases (no model, no git). */
import { describe, expect, it } from "vitest";
import { balancedShares, sampleIndices } from "../generator/src/bench/format-only.ts";
import {
  type BenchResults,
  COMPARISONS,
  checkTargets,
  renderMarkdown,
  renderSvg,
  type ScoresFile,
  SYSTEM_ORDER,
  summarise,
} from "../generator/src/bench/report.ts";
import {
  isSignificant,
  mean,
  pairedBootstrap,
  quantile,
  seededUniform,
} from "../generator/src/bench/stats.ts";
import { METRICS } from "../runtime/src/contracts/report-card.ts";

describe("bench statistics", () => {
  it("mean and linear-interpolated quantiles (numpy's default)", () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(mean([])).toBeNaN();
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([0, 10], 0.025)).toBeCloseTo(0.25, 12);
    expect(quantile([0, 10], 0.975)).toBeCloseTo(9.75, 12);
    expect(quantile([7], 0.3)).toBe(7);
  });

  it("seeded uniform numbers are reproducible and in [0, 1)", () => {
    const a = seededUniform(42);
    const b = seededUniform(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mean(xs)).toBeCloseTo(0.5, 1);
    expect(seededUniform(1)()).not.toBe(seededUniform(2)());
  });

  it("a constant difference has a zero-width interval at that difference", () => {
    const interval = pairedBootstrap([1, 0.5, 0.75], [0.5, 0, 0.25]);
    expect(interval).toEqual({ mean: 0.5, low: 0.5, high: 0.5 });
    expect(isSignificant(interval)).toBe(true);
  });

  it("pairs examples: a per-example difference of 0 or 1 spans [0, 1] around 0.5", () => {
    // diffs [0, 1]: each resample's mean is 0, 0.5 or 1 with probability ¼, ½, ¼; with 1000 resamples the
    // 2.5% and 97.5% percentiles are 0 and 1.
    const interval = pairedBootstrap([1, 1], [1, 0]);
    expect(interval.mean).toBe(0.5);
    expect(interval.low).toBe(0);
    expect(interval.high).toBe(1);
    expect(isSignificant(interval)).toBe(false);
  });

  it("pairing removes between-example variance that an unpaired view would keep", () => {
    // Treatment is control + 0.1 on examples of very different difficulty: the paired interval is exact.
    const control = [0.1, 0.9, 0.2, 0.8, 0.5, 0.3];
    const treatment = control.map((c) => c + 0.1);
    const interval = pairedBootstrap(treatment, control, { resamples: 500, seed: 3, confidence: 0.95 });
    expect(interval.mean).toBeCloseTo(0.1, 12);
    expect(interval.low).toBeCloseTo(0.1, 12);
    expect(interval.high).toBeCloseTo(0.1, 12);
  });

  it("is reproducible for a seed and refuses unpaired lists", () => {
    const a = [0.2, 0.4, 0.9, 0.1, 0.7];
    const b = [0.3, 0.1, 0.6, 0.1, 0.2];
    expect(pairedBootstrap(a, b)).toEqual(pairedBootstrap(a, b));
    expect(pairedBootstrap(a, b).mean).toBeCloseTo(0.2, 12); // diffs −0.1, 0.3, 0.3, 0, 0.5
    const wide = pairedBootstrap(a, b);
    expect(wide.low).toBeLessThan(wide.mean);
    expect(wide.high).toBeGreaterThan(wide.mean);
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(/equally long/);
    expect(pairedBootstrap([], []).mean).toBeNaN();
  });
});

function scores(values: Record<string, number[]>, languages: string[]): ScoresFile {
  return {
    schema: 1,
    base: "tiny",
    device: "cpu",
    threads: 1,
    settings: { limit: 0, maxNewTokens: 8, maxTokens: 256 },
    examples: languages.map((language, i) => ({
      id: `e${i}`,
      path: `f${i}`,
      language,
      spanKind: "statement",
    })),
    systems: Object.fromEntries(
      Object.entries(values).map(([name, es]) => [
        name,
        {
          adapter: name.startsWith("base") ? null : name.split("+")[0]!,
          dataset: name.includes("+") ? "retrieval" : "plain",
          scores: {
            exactMatch: es.map((v) => (v === 1 ? 1 : 0)),
            editSimilarity: es,
            identifierEm: es.map(() => 0),
            identifierF1: es,
          },
          latencyMs: es.map((_, i) => 10 * (i + 1)),
          promptTokens: es.map(() => 100),
          predictions: es.map(() => ""),
        },
      ]),
    ),
  };
}

describe("format-only mix sampling", () => {
  it("splits the size in equal shares, the short sources giving all they have (water-filling)", () => {
    expect(balancedShares([100, 100, 100], 10)).toEqual([4, 3, 3]);
    expect(balancedShares([100, 2, 100], 10)).toEqual([4, 2, 4]);
    expect(balancedShares([3, 1, 50], 12)).toEqual([3, 1, 8]);
    // Not enough in all: everything.
    expect(balancedShares([3, 4], 20)).toEqual([3, 4]);
    // One source (two benchmarked repositories): the size, or all it has.
    expect(balancedShares([40], 25)).toEqual([25]);
    expect(balancedShares([40], 60)).toEqual([40]);
    expect(balancedShares([5, 5], 0)).toEqual([0, 0]);
    // Equal sources: ties served in list order, shares differ by at most one.
    expect(balancedShares([9, 9, 9], 7)).toEqual([3, 2, 2]);
  });

  it("samples k distinct indices in increasing order, reproducibly", () => {
    const draw = (seed: number) => sampleIndices(50, 7, seededUniform(seed));
    const a = draw(4);
    expect(a).toEqual(draw(4));
    expect(a).toHaveLength(7);
    expect(new Set(a).size).toBe(7);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(a.every((i) => i >= 0 && i < 50)).toBe(true);
    expect(draw(5)).not.toEqual(a);
    expect(sampleIndices(5, 9, seededUniform(1))).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices(5, 0, seededUniform(1))).toEqual([]);
    // k = 1 with a known first draw: ⌊u · n⌋.
    const u = seededUniform(11)();
    expect(sampleIndices(10, 1, seededUniform(11))).toEqual([Math.floor(u * 10)]);
  });
});

describe("bench summary", () => {
  const file = scores(
    {
      base: [0.5, 0.5, 0.2, 0.4],
      "base+retrieval": [0.5, 1, 0.2, 0.4],
      adapter: [1, 0.7, 0.4, 0.4],
      "adapter+retrieval": [1, 1, 0.4, 0.6],
      control: [0.5, 0.5, 0.2, 0.4],
      "control+retrieval": [0.5, 0.5, 0.2, 0.4],
      "format-only": [0.6, 0.5, 0.3, 0.4],
      "format-only+retrieval": [1, 0.9, 0.4, 0.6],
    },
    ["python", "python", "typescript", "typescript"],
  );
  const summary = summarise(file, { resamples: 200, seed: 0, confidence: 0.95 });

  it("means every metric per system, in table order, with latency and prompt size", () => {
    expect(Object.keys(summary.systems)).toEqual([
      "base",
      "base+retrieval",
      "adapter",
      "adapter+retrieval",
      "control",
      "control+retrieval",
      "format-only",
      "format-only+retrieval",
    ]);
    expect(Object.keys(summary.systems)).toEqual([...SYSTEM_ORDER]);
    expect(summary.systems.adapter!.editSimilarity).toBeCloseTo(2.5 / 4, 12);
    expect(summary.systems.adapter!.exactMatch).toBe(0.25);
    expect(summary.systems["adapter+retrieval"]!.exactMatch).toBe(0.5);
    expect(summary.systems.base!.latencyMsMean).toBe(25);
    expect(summary.systems.base!.latencyMsMedian).toBe(25);
    expect(summary.systems.base!.promptTokensMean).toBe(100);
  });

  it("compares every pair on the same examples", () => {
    expect(summary.comparisons.map((c) => [c.treatment, c.control])).toEqual(COMPARISONS.map((c) => [...c]));
    const adapterVsBase = summary.comparisons.find((c) => c.treatment === "adapter" && c.control === "base")!;
    // diffs 0.5, 0.2, 0.2, 0 → mean 0.225
    expect(adapterVsBase.metrics.editSimilarity.mean).toBeCloseTo(0.225, 12);
    for (const metric of METRICS) expect(adapterVsBase.metrics[metric]).toHaveProperty("low");
    const controlVsBase = summary.comparisons.find((c) => c.treatment === "control" && c.control === "base")!;
    expect(controlVsBase.metrics.editSimilarity).toEqual({ mean: 0, low: 0, high: 0 });
    expect(controlVsBase.significant).toBe(false);
    const vsFormat = summary.comparisons.find(
      (c) => c.treatment === "adapter" && c.control === "format-only",
    )!;
    // diffs 0.4, 0.2, 0.1, 0 → mean 0.175
    expect(vsFormat.metrics.editSimilarity.mean).toBeCloseTo(0.175, 12);
    const vsFormatR = summary.comparisons.find(
      (c) => c.treatment === "adapter+retrieval" && c.control === "format-only+retrieval",
    )!;
    // diffs 0, 0.1, 0, 0 → mean 0.025; resamples hold 0 to 4 copies of the 0.1 → [0, 0.1]
    expect(vsFormatR.metrics.editSimilarity.mean).toBeCloseTo(0.025, 12);
    expect(vsFormatR.metrics.editSimilarity.low).toBe(0);
    expect(vsFormatR.significant).toBe(false);
  });

  it("checks the targets on edit similarity: holds, not shown, reversed, not scored", () => {
    const targets = checkTargets(summary);
    expect(targets.map((t) => [t.treatment, t.control])).toEqual([
      ["adapter+retrieval", "base+retrieval"],
      ["adapter+retrieval", "control+retrieval"],
      ["adapter+retrieval", "format-only+retrieval"],
    ]);
    // vs base+retrieval: diffs 0.5, 0, 0.2, 0.2 → mean 0.225, resample means can reach 0 (all four the 0).
    expect(targets[0]!.interval!.mean).toBeCloseTo(0.225, 12);
    // vs control+retrieval: diffs 0.5, 0.5, 0.2, 0.2, all > 0 → every resample mean ≥ 0.2: holds.
    expect(targets[1]!.interval!.mean).toBeCloseTo(0.35, 12);
    expect(targets[1]!.interval!.low).toBeGreaterThanOrEqual(0.2 - 1e-12);
    expect(targets[1]!.verdict).toBe("holds");
    expect(targets[2]!.verdict).toBe("not shown");
    // Swap the roles: the same gap read the other way round is "reversed".
    const flipped = summarise(
      {
        ...file,
        systems: {
          ...file.systems,
          "adapter+retrieval": file.systems["control+retrieval"]!,
          "control+retrieval": file.systems["adapter+retrieval"]!,
        },
      },
      { resamples: 200, seed: 0, confidence: 0.95 },
    );
    expect(checkTargets(flipped)[1]!.verdict).toBe("reversed");
    // One repository: no control, no format-only.
    const {
      control: _c,
      "control+retrieval": _cr,
      "format-only": _f,
      "format-only+retrieval": _fr,
      ...rest
    } = file.systems;
    const single = checkTargets(
      summarise({ ...file, systems: rest }, { resamples: 50, seed: 0, confidence: 0.95 }),
    );
    expect(single.map((t) => t.verdict)).toEqual([single[0]!.verdict, "not scored", "not scored"]);
    expect(single[1]!.interval).toBeNull();
  });

  it("breaks results down per language with their own intervals", () => {
    expect(Object.keys(summary.byLanguage)).toEqual(["python", "typescript"]);
    const py = summary.byLanguage.python!;
    expect(py.examples).toBe(2);
    expect(py.systems.adapter!.editSimilarity).toBeCloseTo(0.85, 12);
    const ts = summary.byLanguage.typescript!;
    // adapter+retrieval − adapter on typescript: diffs 0, 0.2 → 0.1
    const retrievalGain = ts.comparisons.find(
      (c) => c.treatment === "adapter+retrieval" && c.control === "adapter",
    )!;
    expect(retrievalGain.metrics.editSimilarity.mean).toBeCloseTo(0.1, 12);
  });

  it("skips comparisons whose systems were not scored (one repo: no control, no format-only)", () => {
    const {
      control: _c,
      "control+retrieval": _cr,
      "format-only": _f,
      "format-only+retrieval": _fr,
      ...rest
    } = file.systems;
    const single = summarise({ ...file, systems: rest }, { resamples: 50, seed: 0, confidence: 0.95 });
    expect(single.comparisons.map((c) => c.treatment + c.control).join()).not.toMatch(/control|format/);
    expect(single.comparisons).toHaveLength(5);
  });

  it("refuses score lists that do not cover every example", () => {
    const broken = scores({ base: [0.1, 0.2] }, ["python", "python", "python"]);
    expect(() => summarise(broken, { resamples: 10, seed: 0, confidence: 0.95 })).toThrow(
      /2 exactMatch scores for 3/,
    );
  });

  it("renders Markdown with every system and difference, and an SVG bar per system", () => {
    const results: BenchResults = {
      schema: 2,
      createdAt: "2026-11-23T00:00:00Z",
      command: "repolora bench a b --out x",
      machine: { platform: "linux x64", cpus: 2, cpuModel: "cpu", memoryGiB: 8, node: "v20", device: "cpu" },
      settings: {
        base: "tiny",
        steps: 2,
        maxTokens: 256,
        limit: 4,
        maxNewTokens: 8,
        seed: 1,
        bootstrap: { resamples: 200, seed: 0, confidence: 0.95 },
      },
      repos: [
        {
          name: "shop<&>",
          root: "/r",
          remote: null,
          head: "abc",
          cutoff: { commit: "def", time: "2025-01-01T00:00:00Z", source: "explicit" },
          datasets: { plain: "/d", retrieval: "/d2" },
          counts: { train: 10, eval: 4, scored: 4 },
          retrievalShare: 0.5,
          adapter: { dir: "/a", trainSeconds: 1.5, steps: 2, loss: 3, bytes: 1024 * 1024 },
          control: {
            trainedOn: "other",
            dir: "/c",
            trainSeconds: 2.25,
            steps: 2,
            loss: 2.5,
            bytes: 2 * 1024 * 1024,
          },
          formatOnly: {
            dir: "/f",
            trainSeconds: 3.5,
            steps: 2,
            loss: 2,
            bytes: 3 * 1024 * 1024,
            sameAsControl: false,
            dataset: "/fd",
            examples: 10,
            sources: [
              { name: "other", head: "h1", available: 40, taken: 5 },
              { name: "third", head: "h2", available: 5, taken: 5 },
            ],
          },
          summary,
          targets: checkTargets(summary),
          scoresFile: "/s",
        },
      ],
      seconds: 1,
    };
    const markdown = renderMarkdown(results);
    expect(markdown).toContain("repolora bench a b --out x");
    for (const name of Object.keys(summary.systems)) expect(markdown).toContain(`| ${name} |`);
    expect(markdown).toContain("| adapter − base * | +0.250 ["); // EM: diffs 1, 0, 0, 0
    expect(markdown).toContain("| control − base | +0.000 [+0.000, +0.000]");
    expect(markdown).toContain("| python | 2 |");
    // Cost columns: training seconds and adapter MiB of the system's adapter, "–" for the base model.
    expect(markdown).toContain("| training s | adapter MiB |");
    expect(markdown).toMatch(/\| base \|[^\n]*\| – \| – \|\n/);
    expect(markdown).toMatch(/\| adapter \|[^\n]*\| 1\.5 \| 1\.00 \|\n/);
    expect(markdown).toMatch(/\| control\+retrieval \|[^\n]*\| 2\.3 \| 2\.00 \|\n/);
    expect(markdown).toMatch(/\| format-only \|[^\n]*\| 3\.5 \| 3\.00 \|\n/);
    expect(markdown).toContain("adapter 1.5 s for 2 steps (final loss 3.000), 1.00 MiB");
    expect(markdown).toContain("format-only 3.5 s for 2 steps");
    expect(markdown).toContain("Format-only adapter: 10 examples (5 of other's 40, 5 of third's 5).");
    // Targets: one row per repository, each target with its verdict and interval.
    expect(markdown).toContain(
      "| repo | adapter+retrieval > retrieval alone | adapter+retrieval > control+retrieval | adapter+retrieval > format-only+retrieval |",
    );
    expect(markdown).toMatch(
      /\| shop<&> \| [^|]+ \| ✓ holds: \+0\.350 \[[^\]]+\] \| ✗ not shown: \+0\.025 \[\+0\.000, /,
    );
    // Per-language intervals: one row per comparison, one column per language.
    expect(markdown).toContain("| Δ ES per language [95% CI] | python (n = 2) | typescript (n = 2) |");
    expect(markdown).toMatch(/\| adapter\+retrieval − adapter \| [^|]+ \| \+0\.100 \[/);
    const svg = renderSvg(results);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(8);
    expect(svg).toContain("shop&lt;&amp;&gt;");
    expect(svg).not.toContain("shop<&>");
  });
});
