/**
 * Dataset density on a real repository: each file's example count follows its size and the density, the
 * --max-examples budget caps the training set deterministically (a subset of the unbudgeted draws), and
 * dataset.json records the settings and what they gave.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuildOptions, buildDataset } from "../generator/src/dataset/build.ts";
import { DENSITY_LEVELS } from "../generator/src/dataset/density.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import { DatasetManifest, DatasetRecord } from "../runtime/src/contracts/dataset.ts";
import { TestRepo, tempDir } from "./helpers/git-repo.ts";

/** A TypeScript module of `count` seven-line functions (every one a few statements, blocks, expressions). */
function accumulators(name: string, count: number): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `export function ${name}${i}(input: number[]): number {\n  let total = ${i};\n  for (const value of input) {\n    total += value * ${(i % 7) + 1};\n  }\n  return total;\n}\n`,
  ).join("");
}

/** Evaluation code in another shape, so that no training middle is a near-duplicate of one of its middles. */
function ledgers(count: number): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `export class Ledger${i} {\n  private readonly entries: string[] = [];\n  record(label: string): void {\n    this.entries.push(\`\${label}-${i}\`);\n  }\n}\n`,
  ).join("");
}

const LINES = { "src/small.ts": 28, "src/medium.ts": 280, "src/large.ts": 840 } as const;

interface Built {
  manifest: DatasetManifest;
  train: DatasetRecord[];
  evaluation: DatasetRecord[];
  trainText: string;
}

function perPath(records: readonly DatasetRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.path] = (counts[r.path] ?? 0) + 1;
  return counts;
}

describe("dataset density", () => {
  const repo = new TestRepo();
  let cutoff: string;

  async function build(options: Partial<BuildOptions>): Promise<Built> {
    const out = join(tempDir(), "dataset");
    await buildDataset({
      repo: repo.root,
      out,
      cutoff,
      progress: silentProgress,
      cacheDir: null,
      ...options,
    });
    const read = (name: string) =>
      readFileSync(join(out, name), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => DatasetRecord.parse(JSON.parse(line)));
    return {
      manifest: DatasetManifest.parse(JSON.parse(readFileSync(join(out, "dataset.json"), "utf8"))),
      train: read("train.jsonl"),
      evaluation: read("eval.jsonl"),
      trainText: readFileSync(join(out, "train.jsonl"), "utf8"),
    };
  }

  let sparse: Built;
  let dense: Built;
  beforeAll(async () => {
    repo.write("src/small.ts", accumulators("small", LINES["src/small.ts"] / 7));
    repo.write("src/medium.ts", accumulators("medium", LINES["src/medium.ts"] / 7));
    repo.write("src/large.ts", accumulators("large", LINES["src/large.ts"] / 7));
    cutoff = repo.commit("accumulators", "2024-03-01T10:00:00Z");
    repo.write("src/ledger.ts", ledgers(40));
    repo.commit("ledgers", "2025-06-01T10:00:00Z");
    sparse = await build({ sampling: { density: 5 } });
    dense = await build({ sampling: { density: 20 } });
  });
  afterAll(() => repo.remove());

  it("gives each file examples in proportion to its lines", () => {
    expect(sparse.manifest.counts.dedupRemoved).toBe(0);
    const counts = perPath(sparse.train);
    for (const [path, lines] of Object.entries(LINES)) {
      // Line count plus the empty line after the final newline.
      expect(counts[path]).toBe(Math.round((5 * (lines + 1)) / 100));
    }
    expect(counts["src/large.ts"]).toBeGreaterThan(counts["src/medium.ts"]!);
    expect(counts["src/medium.ts"]).toBeGreaterThan(counts["src/small.ts"]!);
  });

  it("scales every file's count with the density; evaluation follows its own", async () => {
    const low = perPath(sparse.train);
    const high = perPath(dense.train);
    for (const path of Object.keys(LINES)) {
      expect(Math.abs(high[path]! - 4 * low[path]!)).toBeLessThanOrEqual(2);
    }
    // Evaluation keeps the sparse default whatever the training density, so scores stay comparable.
    expect(dense.evaluation.map((r) => r.id)).toEqual(sparse.evaluation.map((r) => r.id));
    const denseEval = await build({ sampling: { density: 5, evalDensity: 20 } });
    expect(denseEval.evaluation.length).toBeGreaterThanOrEqual(3 * sparse.evaluation.length);
    expect(denseEval.manifest.density).toMatchObject({ evalLevel: "custom", evalExamplesPer100Lines: 20 });
  });

  it("caps the training set at the budget, spread over the files, deterministically", async () => {
    const budgeted = await build({ sampling: { density: 20 }, maxExamples: 60 });
    expect(budgeted.train).toHaveLength(60);
    expect(budgeted.manifest.density?.budgetDropped).toBe(dense.train.length - 60);
    const counts = perPath(budgeted.train);
    expect(counts["src/large.ts"]).toBeGreaterThan(counts["src/medium.ts"]!);
    expect(counts["src/small.ts"]).toBeGreaterThanOrEqual(1);
    // A budget keeps a subset of what the density alone draws, and evaluation is left alone.
    const unbudgeted = new Set(dense.train.map((r) => r.id));
    expect(budgeted.train.every((r) => unbudgeted.has(r.id))).toBe(true);
    expect(budgeted.evaluation).toHaveLength(dense.evaluation.length);
    const again = await build({ sampling: { density: 20 }, maxExamples: 60 });
    expect(again.trainText).toBe(budgeted.trainText);
  });

  it("records the density settings and the examples per file in dataset.json", () => {
    expect(dense.manifest.density).toEqual({
      level: "custom",
      examplesPer100Lines: 20,
      evalLevel: "sparse",
      evalExamplesPer100Lines: 4,
      linesCountedPerFile: 1000,
      maxExamples: null,
      budgetDropped: 0,
      perFile: {
        train: expect.objectContaining({ files: 3, max: perPath(dense.train)["src/large.ts"] }),
        eval: expect.objectContaining({ files: 1, max: dense.evaluation.length }),
      },
    });
    expect(dense.manifest.options.spanMix).toEqual(sparse.manifest.options.spanMix);
    expect(Object.keys(dense.manifest.counts.bySpanKind).length).toBeGreaterThanOrEqual(3);
  });

  it("takes every eligible span at the `all` level", async () => {
    const all = await build({ sampling: { density: DENSITY_LEVELS.all } });
    expect(all.manifest.density?.level).toBe("all");
    expect(all.manifest.density?.examplesPer100Lines).toBeNull();
    expect(all.train.length).toBeGreaterThan(dense.train.length);
  });
});
