/**
 * The benchmark's format-only training set (bench/quality/format-only.ts) on hand-made datasets: balanced
 * seeded shares of the other repositories' training lines, copied byte for byte, in a folder whose manifest is
 * valid against the dataset contract and which the trainer's own loader accepts. No model, no git.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildFormatOnlyDataset, type MixSource, reusableMix } from "../bench/quality/format-only.ts";
import { stableId } from "../generator/src/dataset/random.ts";
import { DatasetManifest, DatasetRecord } from "../runtime/src/contracts/dataset.ts";
import { tempDir } from "./helpers/git-repo.ts";

const repoRoot = resolve(import.meta.dirname, "..");
const python = process.env.REPOLORA_RUNTIME_TEST_PYTHON ?? join(repoRoot, ".venv", "bin", "python");

function record(repo: string, i: number, language: string): DatasetRecord {
  const path = `src/${repo}/file${i % 3}.${language === "python" ? "py" : "ts"}`;
  return {
    schema: 1,
    id: stableId(repo, path, i),
    repo,
    path,
    language,
    commit: "a".repeat(40),
    split: "train",
    prefix: `// ${repo} ${i}\n`,
    middle: `value${i}();`,
    suffix: "\n",
    context: [],
    span: { kind: i % 2 ? "statement" : "rest_of_line", startByte: 10, endByte: 20, startLine: 1 },
    prompt: {
      template: "qwen2.5-coder",
      text: `<fim>${repo} ${i}`,
      completionEnd: "<|endoftext|>",
      tokens: 10 + i,
    },
  };
}

function manifest(repo: string, train: number, overrides: Partial<DatasetManifest["options"]> = {}) {
  return DatasetManifest.parse({
    schema: 1,
    createdAt: "2026-11-23T00:00:00.000Z",
    generator: { version: "0.1.0" },
    repo: {
      root: `/r/${repo}`,
      subdir: "",
      remote: null,
      head: "b".repeat(40),
      headTime: `2026-0${repo.length % 9}-01T00:00:00.000Z`,
      branch: "main",
      shallow: false,
    },
    cutoff: { commit: "c".repeat(40), time: "2025-01-01T00:00:00.000Z", source: "date", evalLineShare: 0.1 },
    options: {
      seed: 1,
      template: "qwen2.5-coder",
      maxPromptTokens: 256,
      languages: null,
      spanMix: { statement: 0.5 },
      ...overrides,
    },
    tokenizer: null,
    counts: {
      files: 3,
      lines: 100,
      train,
      eval: 1,
      trainTokens: 0,
      evalTokens: 0,
      byLanguage: {},
      bySpanKind: {},
      skippedFiles: {},
      secretsScrubbed: {},
      dedupRemoved: 0,
      bulkCommitsSkipped: 0,
      filesWithSyntaxErrors: 0,
    },
    warnings: [],
    timings: {},
  });
}

const work = tempDir("repolora-format-only-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function dataset(
  name: string,
  n: number,
  language: string,
  options: Partial<DatasetManifest["options"]> = {},
  extra: DatasetRecord[] = [],
): MixSource {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const records = [...Array.from({ length: n }, (_, i) => record(name, i, language)), ...extra];
  writeFileSync(join(dir, "train.jsonl"), records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  writeFileSync(join(dir, "eval.jsonl"), "");
  writeFileSync(join(dir, "dataset.json"), JSON.stringify(manifest(name, records.length, options)));
  return { name, dataset: dir, head: `${name}-head` };
}

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);

describe("format-only dataset", () => {
  const big = dataset("big", 40, "typescript");
  const small = dataset("small", 3, "python");

  it("draws balanced seeded shares, byte for byte, into a valid dataset folder", async () => {
    const out = join(work, "mix-a");
    const { manifest: m, info } = await buildFormatOnlyDataset({
      target: "a",
      sources: [big, small],
      size: 12,
      seed: 1,
      out,
    });
    // 12 over {40, 3}: the small one gives its 3, the big one the other 9.
    expect(info.sources.map((s) => [s.name, s.available, s.taken])).toEqual([
      ["big", 40, 9],
      ["small", 3, 3],
    ]);
    expect(info.examples).toBe(12);
    const mixed = lines(join(out, "train.jsonl"));
    expect(mixed).toHaveLength(12);
    const bigLines = new Set(lines(join(big.dataset, "train.jsonl")));
    const smallLines = lines(join(small.dataset, "train.jsonl"));
    expect(mixed.filter((l) => bigLines.has(l))).toHaveLength(9);
    expect(mixed.slice(9)).toEqual(smallLines);
    for (const line of mixed) DatasetRecord.parse(JSON.parse(line));
    expect(readFileSync(join(out, "eval.jsonl"), "utf8")).toBe("");
    const onDisk = DatasetManifest.parse(JSON.parse(readFileSync(join(out, "dataset.json"), "utf8")));
    expect(onDisk).toEqual(m);
    expect(m.counts.train).toBe(12);
    expect(m.counts.eval).toBe(0);
    expect(m.counts.byLanguage.python).toEqual({ files: 3, train: 3, eval: 0 });
    expect(m.counts.byLanguage.typescript!.train).toBe(9);
    expect(m.options.template).toBe("qwen2.5-coder");
    expect(m.options.maxPromptTokens).toBe(256);
    expect(m.warnings[0]).toContain("9 of 40 training examples of big");
    expect(JSON.parse(readFileSync(join(out, "mix.json"), "utf8"))).toEqual(info);
    // Same seed, same mix.
    const again = await buildFormatOnlyDataset({
      target: "a",
      sources: [big, small],
      size: 12,
      seed: 1,
      out,
    });
    expect(again.info).toEqual(info);
    expect(lines(join(out, "train.jsonl"))).toEqual(mixed);
  });

  it("is reusable only for the same target, size, seed and source HEADs", async () => {
    const out = join(work, "mix-b");
    await buildFormatOnlyDataset({ target: "b", sources: [big, small], size: 6, seed: 2, out });
    expect(reusableMix(out, "b", 6, 2, [big, small])?.examples).toBe(6);
    expect(reusableMix(out, "b", 7, 2, [big, small])).toBeNull();
    expect(reusableMix(out, "b", 6, 3, [big, small])).toBeNull();
    expect(reusableMix(out, "b", 6, 2, [{ ...big, head: "moved" }, small])).toBeNull();
    expect(reusableMix(out, "b", 6, 2, [big])).toBeNull();
    expect(reusableMix(join(work, "nowhere"), "b", 6, 2, [big, small])).toBeNull();
  });

  it("drops an example id two sources share, and refuses sources of another prompt format", async () => {
    const shared = record("big", 0, "typescript");
    const withShared = dataset("withshared", 2, "python", {}, [shared]);
    const { info, manifest: m } = await buildFormatOnlyDataset({
      target: "c",
      sources: [big, withShared],
      size: 80,
      seed: 1,
      out: join(work, "mix-c"),
    });
    expect(info.sources.map((s) => s.taken)).toEqual([40, 3]);
    expect(info.examples).toBe(42);
    expect(m.counts.dedupRemoved).toBe(1);
    const other = dataset("otherbudget", 4, "python", { maxPromptTokens: 1024 });
    await expect(
      buildFormatOnlyDataset({
        target: "d",
        sources: [big, other],
        size: 4,
        seed: 1,
        out: join(work, "mix-d"),
      }),
    ).rejects.toThrow(/another template or prompt budget/);
  });

  it.skipIf(!existsSync(python))("is a dataset the trainer's loader accepts", async () => {
    const out = join(work, "mix-e");
    await buildFormatOnlyDataset({ target: "e", sources: [big, small], size: 5, seed: 1, out });
    const printed = execFileSync(
      python,
      [
        "-c",
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);" +
          "from repolora_trainer.data import load_dataset; d = load_dataset(Path(sys.argv[2]));" +
          "print(len(d.train), len(d.eval), len({r.id for r in d.train}))",
        join(repoRoot, "generator", "trainer"),
        out,
      ],
      { encoding: "utf8" },
    );
    expect(printed.trim()).toBe("5 0 5");
  });
});
