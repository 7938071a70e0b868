/** The benchmark's statistics and renderings, on hand-computed cases (no model, no git). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { balancedShares, sampleIndices } from "../bench/quality/format-only.ts";
import {
  type BenchResults,
  COMPARISONS,
  checkTargets,
  formatNllInterval,
  renderMarkdown,
  renderSvg,
  type ScoresFile,
  SYSTEM_ORDER,
  summarise,
  TARGETS,
  type TargetMetric,
  type TargetVerdict,
  targetVerdict,
} from "../bench/quality/report.ts";
import { isSignificant, mean, pairedBootstrap, quantile, seededUniform } from "../bench/quality/stats.ts";
import { mulberry32 } from "../runtime/src/util/random.ts";

/** The paired bootstrap's test vectors, shared with the trainer's tests (generator/trainer/tests/test_metrics.py). */
interface BootstrapVectors {
  mulberry32: Array<{ seed: number; first: number[]; from1000: number[] }>;
  cases: Array<{
    name: string;
    treatment: number[];
    control: number[];
    resamples: number;
    seed: number;
    confidence: number;
    expected: { mean: number; low: number; high: number };
  }>;
}
const VECTORS = JSON.parse(
  readFileSync(new URL("./fixtures/bootstrap/paired-bootstrap.json", import.meta.url), "utf8"),
) as BootstrapVectors;

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

  it("mulberry32 gives the shared test vectors' draws", () => {
    for (const { seed, first, from1000 } of VECTORS.mulberry32) {
      const random = mulberry32(seed);
      const draws = Array.from({ length: 1003 }, () => random());
      expect(draws.slice(0, 5)).toEqual(first);
      expect(draws.slice(1000)).toEqual(from1000);
    }
  });

  it.each(VECTORS.cases)("gives the shared test vectors' interval exactly: $name", (c) => {
    expect(pairedBootstrap(c.treatment, c.control, c)).toEqual(c.expected);
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

/**
 * A stubbed bench_eval.py scores file: edit similarities per system on `languages.length` examples, and held-out
 * NLL per system on `nllLanguages.length` examples (default: 2 − ES, so a better ES is a lower NLL).
 */
function scores(
  values: Record<string, number[]>,
  languages: string[],
  nll: Record<string, number[]> = {},
  nllLanguages: string[] = languages,
): ScoresFile {
  const examples = (langs: string[], prefix: string) =>
    langs.map((language, i) => ({ id: `${prefix}${i}`, path: `f${i}`, language, spanKind: "statement" }));
  return {
    schema: 2,
    base: "tiny",
    device: "cpu",
    threads: 1,
    settings: { limit: 0, nllLimit: 0, maxNewTokens: 8, maxTokens: 256 },
    examples: examples(languages, "e"),
    nllExamples: examples(nllLanguages, "n"),
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
          nll: nll[name] ?? es.map((v) => 2 - v),
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

/** Six NLL examples (more than the four completions), each system's as an offset of the base's. */
const NLL_BASE = [2.0, 2.2, 1.8, 2.4, 2.0, 2.1];
const shifted = (offsets: number[] | number, from: number[] = NLL_BASE) =>
  from.map((v, i) => v + (typeof offsets === "number" ? offsets : offsets[i]!));
const DEFAULT_NLL = shifted(-0.5);
const ADAPTER_NLL = shifted([-0.2, -0.1, -0.3, -0.2, -0.2, -0.2], DEFAULT_NLL); // mean −0.2
const ADAPTER_R_NLL = shifted(-0.1, ADAPTER_NLL);
const NLL: Record<string, number[]> = {
  base: NLL_BASE,
  "base+retrieval": shifted(-0.1),
  default: DEFAULT_NLL,
  "default+retrieval": shifted(-0.1, DEFAULT_NLL),
  adapter: ADAPTER_NLL,
  "adapter+retrieval": ADAPTER_R_NLL, // below default+retrieval on every example
  control: DEFAULT_NLL,
  "control+retrieval": shifted([0.1, -0.1, 0.1, -0.1, 0.1, -0.1], ADAPTER_R_NLL), // no difference on average
  "format-only": DEFAULT_NLL,
  "format-only+retrieval": shifted(-0.05, ADAPTER_R_NLL), // the adapter is worse on every example
};
const NLL_LANGUAGES = ["python", "python", "python", "typescript", "typescript", "typescript"];
const BOOT = { resamples: 200, seed: 0, confidence: 0.95 };

describe("bench summary", () => {
  const file = scores(
    {
      base: [0.5, 0.5, 0.2, 0.4],
      "base+retrieval": [0.5, 1, 0.2, 0.4],
      default: [0.6, 0.5, 0.3, 0.4],
      "default+retrieval": [0.6, 0.9, 0.3, 0.5],
      adapter: [1, 0.7, 0.4, 0.4],
      "adapter+retrieval": [1, 1, 0.4, 0.6],
      control: [0.5, 0.5, 0.2, 0.4],
      "control+retrieval": [0.5, 0.5, 0.2, 0.4],
      "format-only": [0.6, 0.5, 0.3, 0.4],
      "format-only+retrieval": [1, 0.9, 0.4, 0.6],
    },
    ["python", "python", "typescript", "typescript"],
    NLL,
    NLL_LANGUAGES,
  );
  const summary = summarise(file, BOOT);
  const find = (s: typeof summary, treatment: string, control: string) =>
    s.comparisons.find((c) => c.treatment === treatment && c.control === control);
  /** The fixture without some systems (one repository: no control or format-only; no default adapter). */
  const without = (...names: string[]) =>
    summarise(
      {
        ...file,
        systems: Object.fromEntries(Object.entries(file.systems).filter(([n]) => !names.includes(n))),
      },
      BOOT,
    );

  it("means every metric and NLL per system, in table order, with n, latency and prompt size", () => {
    expect(Object.keys(summary.systems)).toEqual([...SYSTEM_ORDER]);
    expect(SYSTEM_ORDER.slice(0, 4)).toEqual(["base", "base+retrieval", "default", "default+retrieval"]);
    expect(summary.systems.adapter!.editSimilarity).toBeCloseTo(2.5 / 4, 12);
    expect(summary.systems.adapter!.exactMatch).toBe(0.25);
    expect(summary.systems["adapter+retrieval"]!.exactMatch).toBe(0.5);
    expect(summary.systems.default!.editSimilarity).toBeCloseTo(0.45, 12);
    expect(summary.systems.base!.latencyMsMean).toBe(25);
    expect(summary.systems.base!.latencyMsMedian).toBe(25);
    expect(summary.systems.base!.promptTokensMean).toBe(100);
    // NLL on its own, larger sample: n differs from the completions'.
    expect(summary.examples).toBe(4);
    expect(summary.nllExamples).toBe(6);
    expect(summary.systems.base!.examples).toBe(4);
    expect(summary.systems.base!.nllExamples).toBe(6);
    expect(summary.systems.base!.nll).toBeCloseTo(12.5 / 6, 12);
    expect(summary.systems.default!.nll).toBeCloseTo(12.5 / 6 - 0.5, 12);
  });

  it("compares every pair on the same examples, the default system's rows first and the base's kept", () => {
    expect(summary.comparisons.map((c) => [c.treatment, c.control])).toEqual(COMPARISONS.map((c) => [...c]));
    // Every comparison with the default system comes before the raw base's extra rows.
    const lastDefault = COMPARISONS.findLastIndex(([, c]) => !c.startsWith("base"));
    const firstBaseRow = COMPARISONS.findIndex(([t, c]) => c.startsWith("base") && !t.startsWith("default"));
    expect(lastDefault).toBeLessThan(firstBaseRow);
    expect(COMPARISONS[0]).toEqual(["default", "base"]);
    for (const [treatment, control] of [
      ["default", "base"],
      ["adapter", "default"],
      ["adapter+retrieval", "default+retrieval"],
      ["control", "default"],
      ["format-only", "default"],
      ["adapter", "base"],
      ["control", "base"],
    ] as const)
      expect(find(summary, treatment, control), `${treatment} − ${control}`).toBeDefined();
    for (const c of summary.comparisons) {
      expect(c.examples).toBe(4);
      expect(c.nllExamples).toBe(6);
      for (const metric of METRICS) expect(c.metrics[metric]).toHaveProperty("low");
    }
  });

  it.each([
    // [treatment, control, Δ ES mean, Δ NLL mean]: hand-computed from the fixture.
    ["adapter", "base", 0.225, -0.7], // ES diffs 0.5, 0.2, 0.2, 0; NLL −0.5 − the adapter's offsets (mean 0.2)
    ["adapter", "default", 0.175, -0.2], // ES diffs 0.4, 0.2, 0.1, 0
    ["default", "base", 0.05, -0.5],
    ["adapter+retrieval", "default+retrieval", 0.175, -0.2],
    ["adapter", "format-only", 0.175, -0.2],
    ["adapter+retrieval", "format-only+retrieval", 0.025, 0.05],
    ["control", "default", -0.05, 0],
  ] as const)("%s − %s: Δ ES %f, Δ NLL %f", (treatment, control, es, nll) => {
    const c = find(summary, treatment, control)!;
    expect(c.metrics.editSimilarity.mean).toBeCloseTo(es, 12);
    expect(c.nll.mean).toBeCloseTo(nll, 12);
    expect(c.nll.low).toBeLessThanOrEqual(c.nll.mean + 1e-12);
    expect(c.nll.high).toBeGreaterThanOrEqual(c.nll.mean - 1e-12);
  });

  it.each<[string, Parameters<typeof targetVerdict>[0], TargetMetric, TargetVerdict]>([
    // Edit similarity: higher is better.
    ["ES above 0", { mean: 0.2, low: 0.1, high: 0.3 }, "editSimilarity", "holds"],
    ["ES below 0", { mean: -0.2, low: -0.3, high: -0.1 }, "editSimilarity", "reversed"],
    ["ES spans 0", { mean: 0.1, low: -0.1, high: 0.3 }, "editSimilarity", "not shown"],
    ["ES touches 0", { mean: 0.1, low: 0, high: 0.2 }, "editSimilarity", "not shown"],
    // NLL: lower is better, so the same intervals read the other way round.
    ["NLL below 0", { mean: -0.2, low: -0.3, high: -0.1 }, "nll", "holds"],
    ["NLL above 0", { mean: 0.2, low: 0.1, high: 0.3 }, "nll", "reversed"],
    ["NLL spans 0", { mean: -0.1, low: -0.3, high: 0.1 }, "nll", "not shown"],
    ["NLL touches 0", { mean: -0.1, low: -0.2, high: 0 }, "nll", "not shown"],
    ["nothing scored", null, "nll", "not scored"],
    ["NaN interval", { mean: Number.NaN, low: Number.NaN, high: Number.NaN }, "editSimilarity", "not scored"],
  ])("target verdict: %s", (_, interval, metric, verdict) => {
    expect(targetVerdict(interval, metric)).toBe(verdict);
  });

  it("checks the targets against the default system, on ES and on NLL, each on its better side", () => {
    const targets = checkTargets(summary);
    expect(targets.map((t) => [t.treatment, t.control, t.metric])).toEqual(
      TARGETS.map((t) => [t.treatment, t.control, t.metric]),
    );
    const verdicts = Object.fromEntries(targets.map((t) => [`${t.control} ${t.metric}`, t.verdict]));
    expect(verdicts).toEqual({
      // ES: diffs 0.4, 0.1, 0.1, 0.1 / 0.5, 0.5, 0.2, 0.2 / 0, 0.1, 0, 0
      "default+retrieval editSimilarity": "holds",
      "control+retrieval editSimilarity": "holds",
      "format-only+retrieval editSimilarity": "not shown",
      // NLL: lower on every example / ±0.1 around 0 / higher on every example
      "default+retrieval nll": "holds",
      "control+retrieval nll": "not shown",
      "format-only+retrieval nll": "reversed",
    });
    const nllTarget = targets.find((t) => t.metric === "nll" && t.control === "default+retrieval")!;
    expect(nllTarget.interval).toEqual(find(summary, "adapter+retrieval", "default+retrieval")!.nll);
    expect(nllTarget.interval!.high).toBeLessThan(0);
    // Swap the roles: the same gaps read the other way round reverse on both metrics.
    const flipped = summarise(
      {
        ...file,
        systems: {
          ...file.systems,
          "adapter+retrieval": file.systems["default+retrieval"]!,
          "default+retrieval": file.systems["adapter+retrieval"]!,
        },
      },
      BOOT,
    );
    const flippedTargets = checkTargets(flipped).filter((t) => t.control === "default+retrieval");
    expect(flippedTargets.map((t) => t.verdict)).toEqual(["reversed", "reversed"]);
  });

  it("without a default adapter the targets fall back to the raw base, as the report card's baseline does", () => {
    const noDefault = without("default", "default+retrieval");
    expect(
      noDefault.comparisons.some((c) => c.treatment.startsWith("default") || c.control.startsWith("default")),
    ).toBe(false);
    const targets = checkTargets(noDefault);
    const first = targets.filter(
      (t) => t.treatment === "adapter+retrieval" && t.control === "base+retrieval",
    );
    expect(first.map((t) => t.metric)).toEqual(["editSimilarity", "nll"]);
    for (const t of first)
      expect(t.interval).toEqual(
        t.metric === "nll"
          ? find(noDefault, "adapter+retrieval", "base+retrieval")!.nll
          : find(noDefault, "adapter+retrieval", "base+retrieval")!.metrics.editSimilarity,
      );
    // ES diffs 0.5, 0, 0.2, 0.2: an all-zero resample (p = 1/256) lies under the 2.5% quantile; NLL lower on
    // every example.
    expect(first.map((t) => t.verdict)).toEqual(["holds", "holds"]);
  });

  it("one repository: no control or format-only, their targets not scored", () => {
    const single = without("control", "control+retrieval", "format-only", "format-only+retrieval");
    expect(single.comparisons.map((c) => c.treatment + c.control).join()).not.toMatch(/control|format/);
    expect(single.comparisons).toHaveLength(9);
    const targets = checkTargets(single);
    expect(targets.filter((t) => t.control === "default+retrieval").map((t) => t.verdict)).toEqual([
      "holds",
      "holds",
    ]);
    for (const t of targets.filter((x) => x.control !== "default+retrieval")) {
      expect(t.verdict).toBe("not scored");
      expect(t.interval).toBeNull();
    }
  });

  it("breaks results down per language with their own intervals and n", () => {
    expect(Object.keys(summary.byLanguage)).toEqual(["python", "typescript"]);
    const py = summary.byLanguage.python!;
    expect(py.examples).toBe(2);
    expect(py.nllExamples).toBe(3);
    expect(py.systems.adapter!.editSimilarity).toBeCloseTo(0.85, 12);
    expect(py.systems.base!.nll).toBeCloseTo(2, 12);
    const ts = summary.byLanguage.typescript!;
    // adapter+retrieval − adapter on typescript: diffs 0, 0.2 → 0.1; NLL −0.1 on each example
    const retrievalGain = ts.comparisons.find(
      (c) => c.treatment === "adapter+retrieval" && c.control === "adapter",
    )!;
    expect(retrievalGain.metrics.editSimilarity.mean).toBeCloseTo(0.1, 12);
    expect(retrievalGain.nll.mean).toBeCloseTo(-0.1, 12);
    expect(retrievalGain.nllExamples).toBe(3);
  });

  it("refuses score lists that do not cover every example", () => {
    const broken = scores({ base: [0.1, 0.2] }, ["python", "python", "python"]);
    expect(() => summarise(broken, { resamples: 10, seed: 0, confidence: 0.95 })).toThrow(
      /2 exactMatch scores for 3/,
    );
    const shortNll = scores({ base: [0.1, 0.2] }, ["python", "python"], { base: [1] });
    expect(() => summarise(shortNll, { resamples: 10, seed: 0, confidence: 0.95 })).toThrow(
      /1 NLL values for 2 NLL examples/,
    );
  });

  it.each([
    [{ mean: -0.2, low: -0.3, high: -0.1 }, "−0.200 [−0.300, −0.100] ↓ better"],
    [{ mean: 0.2, low: 0.1, high: 0.3 }, "+0.200 [+0.100, +0.300] ↑ worse"],
    [{ mean: 0, low: -0.1, high: 0.1 }, "+0.000 [−0.100, +0.100]"],
  ])("renders a Δ NLL interval with the side it favours: %o", (interval, text) => {
    expect(formatNllInterval(interval)).toBe(text);
  });

  it("renders Markdown with every system and difference, and an SVG bar per system", () => {
    const results: BenchResults = {
      schema: 2,
      createdAt: "2026-11-23T00:00:00Z",
      command: "repolora bench a b --out x",
      machine: { platform: "linux x64", cpus: 2, cpuModel: "cpu", memoryGiB: 8, node: "v20", device: "cpu" },
      settings: {
        base: "tiny",
        defaultAdapter: "/default-adapter",
        initAdapter: "/default-adapter",
        steps: 2,
        maxTokens: 256,
        limit: 4,
        nllLimit: 0,
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
          counts: { train: 10, eval: 4, scored: 4, nllScored: 6 },
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
    // The default system: named in the settings, its comparisons first, NLL with its side and n of both.
    expect(markdown).toContain("the base + the shipped default adapter `/default-adapter`");
    expect(markdown).toContain("starts from the default adapter's weights");
    expect(markdown).toContain("n = 4 completions and 6 NLL examples scored");
    expect(markdown.indexOf("| default − base |")).toBeLessThan(markdown.indexOf("| adapter − base *"));
    expect(markdown).toContain("| Δ NLL [95% CI] | n (completions / NLL) |");
    expect(markdown).toMatch(
      /\| adapter − default \*? ?\|[^\n]*\| −0\.200 \[−[^\]]+\] ↓ better \| 4 \/ 6 \|\n/,
    );
    expect(markdown).toMatch(
      /\| adapter\+retrieval − format-only\+retrieval \|[^\n]*\| \+0\.050 \[[^\]]+\] ↑ worse \| 4 \/ 6 \|\n/,
    );
    expect(markdown).toContain("| NLL (n = 6) |");
    expect(markdown).toMatch(/\| default \|[^\n]*\| 1\.583 \|/); // mean NLL 12.5 / 6 − 0.5
    expect(markdown).toContain("| python | 2 |");
    // Cost columns: training seconds and adapter MiB of the system's adapter, "–" for the base model.
    expect(markdown).toContain("| training s | adapter MiB |");
    expect(markdown).toMatch(/\| base \|[^\n]*\| – \| – \|\n/);
    expect(markdown).toMatch(/\| default \|[^\n]*\| – \| – \|\n/); // shipped, not trained here
    expect(markdown).toMatch(/\| adapter \|[^\n]*\| 1\.5 \| 1\.00 \|\n/);
    expect(markdown).toMatch(/\| control\+retrieval \|[^\n]*\| 2\.3 \| 2\.00 \|\n/);
    expect(markdown).toMatch(/\| format-only \|[^\n]*\| 3\.5 \| 3\.00 \|\n/);
    expect(markdown).toContain("adapter 1.5 s for 2 steps (final loss 3.000), 1.00 MiB");
    expect(markdown).toContain("format-only 3.5 s for 2 steps");
    expect(markdown).toContain("Format-only adapter: 10 examples (5 of other's 40, 5 of third's 5).");
    // Targets: one row per repository, each target with its verdict and interval, on ES then on NLL.
    expect(markdown).toContain(`| repo | ${TARGETS.map((t) => t.name).join(" | ")} |`);
    expect(markdown).toContain("Against the default system (base + default adapter).");
    expect(markdown).toMatch(
      /\| shop<&> \| ✓ holds: \+0\.175 [^|]+ \| ✓ holds: \+0\.350 \[[^\]]+\] \| ✗ not shown: \+0\.025 \[\+0\.000, [^|]+ \| ✓ holds: −0\.200 [^|]+ \| ✗ not shown: [^|]+ \| ✗ reversed: \+0\.050 /,
    );
    // Per-language intervals: one row per comparison, one column per language.
    expect(markdown).toContain("| Δ ES per language [95% CI] | python (n = 2) | typescript (n = 2) |");
    expect(markdown).toMatch(/\| adapter\+retrieval − adapter \| [^|]+ \| \+0\.100 \[/);
    expect(markdown).toContain("| Δ NLL per language [95% CI] | python (n = 3) | typescript (n = 3) |");
    // Without a default adapter the Markdown says the baseline is the raw base.
    const noDefault = renderMarkdown({
      ...results,
      settings: { ...results.settings, defaultAdapter: null, initAdapter: null },
    });
    expect(noDefault).toContain("Against the raw base (no default adapter for it).");
    expect(noDefault).toContain("every adapter trained here starts from fresh LoRA weights");
    const svg = renderSvg(results);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(10);
    expect(svg).toContain("shop&lt;&amp;&gt;");
    expect(svg).not.toContain("shop<&>");
  });
});
