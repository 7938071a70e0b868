/**
 * `repolora bench` end to end on CPU: three fixture repositories, the tiny random Qwen2 model
 * (runtime/tools/make_tiny_models.py) with one of its random adapters standing in for the default adapter, two
 * training steps per adapter. The numbers are noise and are not asserted; the plumbing is: both dataset
 * variants hold the same examples, retrieval context is present and within budget and never shows the answer,
 * every adapter starts from the default adapter's weights, each repository's format-only adapter is trained on
 * a balanced mix of the two others, and the results file has every system (the default system included),
 * comparison, interval (completion metrics and held-out NLL, each with its n), target and cost. A second,
 * two-repository run over the same folder (--reuse) checks that the control stands in for format-only.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MixInfo } from "../bench/quality/format-only.ts";
import { COMPARISONS, SYSTEM_ORDER, TARGETS } from "../bench/quality/report.ts";
import { runBench } from "../bench/quality/run-bench.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import type { DatasetRecord } from "../runtime/src/contracts/dataset.ts";
import { METRICS } from "../runtime/src/contracts/report-card.ts";
import { buildFixtureRepo, type FixtureRepo } from "./helpers/fixture-repo.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

const repoRoot = resolve(import.meta.dirname, "..");
const python = process.env.REPOLORA_RUNTIME_TEST_PYTHON ?? join(repoRoot, ".venv", "bin", "python");
const hasPython = existsSync(python);
if (!hasPython)
  console.warn(`bench pipeline test skipped: ${python} not found (generator/trainer/setup-venv.sh)`);

/** A second, Python-only repository: a small inventory library, extended in 2025. */
function buildLibraryRepo(): TestRepo {
  const repo = new TestRepo();
  const functions = (names: string[]) =>
    names
      .map(
        (name, i) => `def ${name}(items, limit=${i + 1}):
    """Return the ${name.replace(/_/g, " ")} of the items."""
    selected = [item for item in items if item.quantity > limit]
    total = sum(item.price * item.quantity for item in selected)
    return round(total, 2)
`,
      )
      .join("\n\n");
  repo
    .write(
      "stock/values.py",
      `${functions(["stock_value", "reserved_value", "incoming_value", "damaged_value"])}`,
    )
    .write(
      "stock/items.py",
      `class Item:
    def __init__(self, sku, price, quantity):
        self.sku = sku
        self.price = price
        self.quantity = quantity

    def total(self):
        return self.price * self.quantity
`,
    );
  repo.commit("stock values", "2024-02-01T10:00:00Z");
  repo.write(
    "stock/report.py",
    `from stock.values import stock_value, reserved_value


def summary(items):
    value = stock_value(items, limit=2)
    reserved = reserved_value(items, limit=1)
    return {"value": value, "reserved": reserved, "free": round(value - reserved, 2)}


def cheapest(items):
    selected = [item for item in items if item.quantity > 0]
    return min(selected, key=lambda item: item.price) if selected else None
`,
  );
  repo.commit("stock report", "2025-05-01T10:00:00Z");
  return repo;
}

/** A third, TypeScript-only repository: unit conversions, extended in 2025. */
function buildUnitsRepo(): TestRepo {
  const repo = new TestRepo();
  repo
    .write(
      "src/length.ts",
      `export const METRES_PER_FOOT = 0.3048;

export function feetToMetres(feet: number): number {
  return feet * METRES_PER_FOOT;
}

export function metresToFeet(metres: number): number {
  return metres / METRES_PER_FOOT;
}

export function formatLength(metres: number, unit: "m" | "ft"): string {
  const value = unit === "m" ? metres : metresToFeet(metres);
  return \`\${value.toFixed(2)} \${unit}\`;
}
`,
    )
    .write(
      "src/mass.ts",
      `export const GRAMS_PER_OUNCE = 28.3495;

export function ouncesToGrams(ounces: number): number {
  return ounces * GRAMS_PER_OUNCE;
}

export function gramsToOunces(grams: number): number {
  return grams / GRAMS_PER_OUNCE;
}
`,
    );
  repo.commit("length and mass", "2024-04-01T10:00:00Z");
  repo.write(
    "src/convert.ts",
    `import { feetToMetres, metresToFeet } from "./length";
import { gramsToOunces, ouncesToGrams } from "./mass";

export function convert(value: number, from: string, to: string): number {
  if (from === "ft" && to === "m") return feetToMetres(value);
  if (from === "m" && to === "ft") return metresToFeet(value);
  if (from === "oz" && to === "g") return ouncesToGrams(value);
  if (from === "g" && to === "oz") return gramsToOunces(value);
  throw new Error(\`cannot convert \${from} to \${to}\`);
}
`,
  );
  repo.commit("convert", "2025-04-01T10:00:00Z");
  return repo;
}

function readRecords(dir: string, split: "train" | "eval"): DatasetRecord[] {
  return readFileSync(join(dir, `${split}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DatasetRecord);
}

describe.skipIf(!hasPython)("repolora bench on the tiny model", () => {
  let fixture: FixtureRepo;
  let library: TestRepo;
  let units: TestRepo;
  let work: string;
  /** The small recipe every run here uses: the tiny model, 2 steps, 4 scored examples, 100 resamples. */
  const tinyBench = () => ({
    out: join(work, "bench"),
    base: join(work, "tiny", "qwen2", "model"),
    steps: 2,
    maxTokens: 256,
    limit: 4,
    nllLimit: 6,
    maxNewTokens: 8,
    defaultAdapter: join(work, "tiny", "qwen2", "adapter-1"),
    seed: 1,
    cutoff: "2025-01-01",
    trainArgs: ["--micro-batch", "2", "--grad-accum", "1"],
    threads: 1,
    bootstrap: { resamples: 100, seed: 0, confidence: 0.95 },
  });
  let results: Awaited<ReturnType<typeof runBench>>["results"];
  let out: string;

  beforeAll(async () => {
    fixture = buildFixtureRepo();
    library = buildLibraryRepo();
    units = buildUnitsRepo();
    work = tempDir("repolora-bench-");
    execFileSync(python, [join(repoRoot, "runtime", "tools", "make_tiny_models.py"), join(work, "tiny")], {
      stdio: "ignore",
    });
    ({ results, out } = await runBench({
      repos: [fixture.repo.root, library.root, units.root],
      ...tinyBench(),
      command: "repolora bench <fixture> <library> <units> (test)",
      progress: silentProgress,
    }));
  }, 600_000);

  afterAll(() => {
    fixture?.repo.remove();
    library?.remove();
    units?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("builds both dataset variants with the same examples and ids, differing only in context", () => {
    for (const repo of results.repos) {
      const plain = readRecords(repo.datasets.plain, "eval");
      const withRetrieval = readRecords(repo.datasets.retrieval, "eval");
      expect(plain.length).toBeGreaterThan(0);
      expect(withRetrieval.map((r) => r.id)).toEqual(plain.map((r) => r.id));
      expect(withRetrieval.map((r) => r.middle)).toEqual(plain.map((r) => r.middle));
      expect(plain.flatMap((r) => r.context).some((c) => c.reason === "retrieval")).toBe(false);
      const train = readRecords(repo.datasets.retrieval, "train");
      expect(train.map((r) => r.id)).toEqual(readRecords(repo.datasets.plain, "train").map((r) => r.id));
    }
  });

  it("adds retrieval context within the token budget, never showing the middle from its own file", () => {
    const all = results.repos.flatMap((repo) => [
      ...readRecords(repo.datasets.retrieval, "eval"),
      ...readRecords(repo.datasets.retrieval, "train"),
    ]);
    const retrieved = all.filter((r) => r.context.some((c) => c.reason === "retrieval"));
    expect(retrieved.length).toBeGreaterThan(0);
    for (const record of all) {
      expect(record.prompt.tokens).toBeLessThanOrEqual(256);
      for (const c of record.context) {
        if (c.reason === "retrieval" && c.path === record.path && record.middle.trim().length >= 20)
          expect(c.text).not.toContain(record.middle.trim());
      }
    }
    expect(results.repos.some((r) => r.retrievalShare > 0)).toBe(true);
  });

  it("writes results with every system, comparison and interval, per language, and costs", () => {
    const onDisk = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as typeof results;
    expect(onDisk.repos).toHaveLength(3);
    const names = onDisk.repos.map((r) => r.name);
    expect(onDisk.repos.map((r) => r.control?.trainedOn)).toEqual([names[1], names[2], names[0]]);
    for (const repo of onDisk.repos) {
      expect(Object.keys(repo.summary.systems)).toEqual([...SYSTEM_ORDER]);
      expect(repo.counts.scored).toBe(Math.min(4, repo.counts.eval));
      // NLL on its own sample: up to 6 examples (forward passes), more than the 4 completions when there are.
      expect(repo.counts.nllScored).toBeGreaterThan(0);
      expect(repo.counts.nllScored).toBeLessThanOrEqual(Math.min(6, repo.counts.eval));
      expect(repo.summary.nllExamples).toBe(repo.counts.nllScored);
      for (const system of Object.values(repo.summary.systems)) {
        for (const metric of METRICS) {
          expect(system[metric]).toBeGreaterThanOrEqual(0);
          expect(system[metric]).toBeLessThanOrEqual(1);
        }
        expect(system.latencyMsMean).toBeGreaterThan(0);
        expect(system.nll).toBeGreaterThan(0);
        expect(Number.isFinite(system.nll)).toBe(true);
      }
      // The default system differs from the raw base (the default adapter is applied).
      expect(repo.summary.systems.default!.nll).not.toBe(repo.summary.systems.base!.nll);
      expect(repo.summary.comparisons.map((c) => [c.treatment, c.control])).toEqual(
        COMPARISONS.map((c) => [...c]),
      );
      for (const comparison of repo.summary.comparisons) {
        for (const interval of [...METRICS.map((m) => comparison.metrics[m]), comparison.nll]) {
          expect(Number.isFinite(interval.low) && Number.isFinite(interval.high)).toBe(true);
          expect(interval.low).toBeLessThanOrEqual(interval.high);
        }
        expect(comparison.examples).toBe(repo.counts.scored);
        expect(comparison.nllExamples).toBe(repo.counts.nllScored);
      }
      expect(Object.keys(repo.summary.byLanguage).length).toBeGreaterThan(0);
      for (const breakdown of Object.values(repo.summary.byLanguage))
        expect(breakdown.comparisons).toHaveLength(COMPARISONS.length);
      for (const cost of [repo.adapter, repo.control!, repo.formatOnly!]) {
        expect(cost.bytes).toBeGreaterThan(0);
        expect(cost.steps).toBe(2);
        expect(cost.trainSeconds).toBeGreaterThan(0);
        // Trained as `repolora train` trains: from the default adapter's weights.
        const bundle = JSON.parse(readFileSync(join(cost.dir, "repolora.json"), "utf8")) as {
          continuedFrom?: { dir: string };
        };
        expect(resolve(bundle.continuedFrom!.dir)).toBe(resolve(tinyBench().defaultAdapter));
      }
      expect(repo.targets.map((t) => [t.name, t.treatment, t.control])).toEqual(
        TARGETS.map((t) => [t.name, t.treatment, t.control]),
      );
      for (const target of repo.targets) {
        expect(["holds", "not shown", "reversed"]).toContain(target.verdict);
        const compared = repo.summary.comparisons.find(
          (c) => c.treatment === target.treatment && c.control === target.control,
        )!;
        expect(target.interval).toEqual(
          target.metric === "nll" ? compared.nll : compared.metrics.editSimilarity,
        );
      }
      expect(repo.head).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(onDisk.command).toContain("repolora bench");
    expect(onDisk.settings.defaultAdapter).toBe(tinyBench().defaultAdapter);
    expect(onDisk.settings.initAdapter).toBe(tinyBench().defaultAdapter);
    expect(onDisk.settings.nllLimit).toBe(6);
    const markdown = readFileSync(join(out, "results.md"), "utf8");
    for (const system of SYSTEM_ORDER) expect(markdown).toContain(`| ${system} |`);
    expect(markdown).toContain("## Targets");
    for (const target of TARGETS) expect(markdown).toContain(target.name);
    expect(markdown).toContain("| training s | adapter MiB |");
    expect(markdown).toContain("| Δ ES per language [95% CI] |");
    expect(markdown).toContain("| Δ NLL per language [95% CI] |");
    expect(markdown).toContain("| default − base |");
    expect(readFileSync(join(out, "results.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });

  it("trains each format-only adapter on a balanced mix of the other repositories only", () => {
    for (const repo of results.repos) {
      const fo = repo.formatOnly!;
      const others = results.repos.filter((r) => r !== repo);
      expect(fo.sameAsControl).toBe(false);
      expect(fo.dir).not.toBe(repo.control!.dir);
      expect(fo.sources.map((s) => s.name)).toEqual(others.map((r) => r.name));
      expect(fo.sources.map((s) => s.available)).toEqual(others.map((r) => r.counts.train));
      const taken = fo.sources.map((s) => s.taken);
      expect(taken.reduce((a, b) => a + b, 0)).toBe(
        Math.min(
          repo.counts.train,
          fo.sources.reduce((a, s) => a + s.available, 0),
        ),
      );
      // Balanced: a source gives less than another only when it has nothing more to give.
      for (const s of fo.sources)
        for (const t of fo.sources)
          if (s.taken < t.taken - 1) expect(s.taken, `${s.name} in ${repo.name}'s mix`).toBe(s.available);
      const mix = JSON.parse(readFileSync(join(fo.dataset, "mix.json"), "utf8")) as MixInfo;
      expect(mix.sources).toEqual(fo.sources);
      expect(mix.examples).toBe(fo.examples);
      const mixed = readRecords(fo.dataset, "train");
      expect(mixed).toHaveLength(fo.examples);
      const own = new Set(readRecords(repo.datasets.plain, "train").map((r) => r.id));
      const fromOthers = new Set(
        others.flatMap((r) => readRecords(r.datasets.plain, "train").map((x) => x.id)),
      );
      for (const record of mixed) {
        expect(own.has(record.id)).toBe(false);
        expect(fromOthers.has(record.id)).toBe(true);
      }
      expect(readdirSync(fo.dir)).toContain("repolora.json");
      // The adapter's bundle records the mix as its training set.
      const bundle = JSON.parse(readFileSync(join(fo.dir, "repolora.json"), "utf8")) as {
        data: { train: number; dataset: { dir: string } };
      };
      expect(bundle.data.train).toBe(fo.examples);
      expect(resolve(bundle.data.dataset.dir)).toBe(resolve(fo.dataset));
    }
  });

  it("with two repositories (re-scored with --reuse), the control stands in for format-only", async () => {
    const two = await runBench({
      repos: [fixture.repo.root, library.root],
      ...tinyBench(),
      reuse: true,
      command: "repolora bench <fixture> <library> --reuse (test)",
      progress: silentProgress,
    });
    expect(two.results.repos).toHaveLength(2);
    for (const [i, repo] of two.results.repos.entries()) {
      // Reused: the same adapter folder and training record as the three-repository run.
      expect(repo.adapter).toEqual(results.repos[i]!.adapter);
      const fo = repo.formatOnly!;
      expect(fo.sameAsControl).toBe(true);
      expect(fo.dir).toBe(repo.control!.dir);
      expect(fo.sources).toEqual([
        expect.objectContaining({ name: repo.control!.trainedOn, taken: fo.sources[0]!.available }),
      ]);
      expect(Object.keys(repo.summary.systems)).toEqual([...SYSTEM_ORDER]);
      expect(repo.summary.systems["format-only"]).toEqual(repo.summary.systems.control);
      expect(repo.summary.systems["format-only+retrieval"]).toEqual(
        repo.summary.systems["control+retrieval"],
      );
      const interval = (t: string, c: string) =>
        repo.summary.comparisons.find((x) => x.treatment === t && x.control === c)!.metrics;
      expect(interval("adapter", "format-only")).toEqual(interval("adapter", "control"));
      expect(repo.targets[2]!.verdict).toBe(repo.targets[1]!.verdict);
    }
    expect(readFileSync(join(two.out, "results.md"), "utf8")).toContain("(= control)");
  }, 600_000);
});
