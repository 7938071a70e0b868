/**
 * `repolora bench` end to end on CPU: two fixture repositories, the tiny random Qwen2 model
 * (runtime/tools/make_tiny_models.py), two training steps each. The numbers are noise and are not asserted;
 * the plumbing is: both dataset variants hold the same examples, retrieval context is present and within
 * budget and never shows the answer, and the results file has every system, comparison and interval.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPARISONS, METRICS, SYSTEM_ORDER } from "../generator/src/bench/report.ts";
import { runBench } from "../generator/src/bench/run-bench.ts";
import { silentProgress } from "../generator/src/cli/progress.ts";
import type { DatasetRecord } from "../generator/src/dataset/record.ts";
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

function readRecords(dir: string, split: "train" | "eval"): DatasetRecord[] {
  return readFileSync(join(dir, `${split}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DatasetRecord);
}

describe.skipIf(!hasPython)("repolora bench on the tiny model", () => {
  let fixture: FixtureRepo;
  let library: TestRepo;
  let work: string;
  let results: Awaited<ReturnType<typeof runBench>>["results"];
  let out: string;

  beforeAll(async () => {
    fixture = buildFixtureRepo();
    library = buildLibraryRepo();
    work = tempDir("repolora-bench-");
    execFileSync(python, [join(repoRoot, "runtime", "tools", "make_tiny_models.py"), join(work, "tiny")], {
      stdio: "ignore",
    });
    ({ results, out } = await runBench({
      repos: [fixture.repo.root, library.root],
      out: join(work, "bench"),
      base: join(work, "tiny", "qwen2", "model"),
      steps: 2,
      maxTokens: 256,
      limit: 4,
      maxNewTokens: 8,
      seed: 1,
      cutoff: "2025-01-01",
      trainArgs: ["--micro-batch", "2", "--grad-accum", "1"],
      threads: 1,
      bootstrap: { resamples: 100, seed: 0, confidence: 0.95 },
      command: "repolora bench <fixture> <library> (test)",
      progress: silentProgress,
    }));
  }, 600_000);

  afterAll(() => {
    fixture?.repo.remove();
    library?.remove();
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
    expect(onDisk.repos).toHaveLength(2);
    expect(onDisk.repos.map((r) => r.control?.trainedOn)).toEqual([
      onDisk.repos[1]!.name,
      onDisk.repos[0]!.name,
    ]);
    for (const repo of onDisk.repos) {
      expect(Object.keys(repo.summary.systems)).toEqual([...SYSTEM_ORDER]);
      expect(repo.counts.scored).toBe(Math.min(4, repo.counts.eval));
      for (const system of Object.values(repo.summary.systems)) {
        for (const metric of METRICS) {
          expect(system[metric]).toBeGreaterThanOrEqual(0);
          expect(system[metric]).toBeLessThanOrEqual(1);
        }
        expect(system.latencyMsMean).toBeGreaterThan(0);
      }
      expect(repo.summary.comparisons.map((c) => [c.treatment, c.control])).toEqual(
        COMPARISONS.map((c) => [...c]),
      );
      for (const comparison of repo.summary.comparisons) {
        for (const metric of METRICS) {
          const interval = comparison.metrics[metric];
          expect(Number.isFinite(interval.low) && Number.isFinite(interval.high)).toBe(true);
          expect(interval.low).toBeLessThanOrEqual(interval.high);
        }
      }
      expect(Object.keys(repo.summary.byLanguage).length).toBeGreaterThan(0);
      for (const breakdown of Object.values(repo.summary.byLanguage))
        expect(breakdown.comparisons).toHaveLength(COMPARISONS.length);
      expect(repo.adapter.bytes).toBeGreaterThan(0);
      expect(repo.adapter.steps).toBe(2);
      expect(repo.adapter.trainSeconds).toBeGreaterThan(0);
      expect(repo.head).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(onDisk.command).toContain("repolora bench");
    const markdown = readFileSync(join(out, "results.md"), "utf8");
    for (const system of SYSTEM_ORDER) expect(markdown).toContain(`| ${system} |`);
    expect(readFileSync(join(out, "results.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });
});
