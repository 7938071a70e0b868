/**
 * The dataset generator end to end on the fixture repository: time split, dedup, secrets, skipped files,
 * determinism and a golden projection compared as a diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDataset } from "../generator/src/dataset/build.ts";
import { normaliseCode } from "../generator/src/dataset/dedup.ts";
import { silentProgress } from "../generator/src/util/progress.ts";
import { DatasetManifest, DatasetRecord } from "../runtime/src/contracts/dataset.ts";
import {
  ADDED_AFTER_CUTOFF,
  buildFixtureRepo,
  FIXTURE_EVAL_SHARE,
  FIXTURE_LANGUAGES,
  type FixtureRepo,
  PLANTED_SECRETS,
} from "./helpers/fixture-repo.ts";
import { tempDir } from "./helpers/git-repo.ts";

function readRecords(dir: string, name: string): DatasetRecord[] {
  return readFileSync(join(dir, name), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => DatasetRecord.parse(JSON.parse(line)));
}

describe("dataset on the fixture repo", () => {
  let fixture: FixtureRepo;
  let out: string;
  let manifest: DatasetManifest;
  let train: DatasetRecord[];
  let evaluation: DatasetRecord[];

  beforeAll(async () => {
    fixture = buildFixtureRepo();
    out = join(tempDir(), "dataset");
    await buildDataset({
      repo: fixture.repo.root,
      out,
      evalShare: FIXTURE_EVAL_SHARE,
      progress: silentProgress,
      cacheDir: null,
    });
    manifest = DatasetManifest.parse(JSON.parse(readFileSync(join(out, "dataset.json"), "utf8")));
    train = readRecords(out, "train.jsonl");
    evaluation = readRecords(out, "eval.jsonl");
  });
  afterAll(() => fixture.repo.remove());

  it("picks the commit before the newest changes as the default cutoff", () => {
    expect(manifest.cutoff.source).toBe("default");
    expect(manifest.cutoff.commit).toBe(fixture.oldHead);
    expect(manifest.repo.head).toBe(fixture.head);
  });

  it("takes evaluation examples only from code added after the cutoff", () => {
    expect(evaluation.length).toBeGreaterThan(0);
    for (const record of evaluation) {
      const added = ADDED_AFTER_CUTOFF[record.path as keyof typeof ADDED_AFTER_CUTOFF];
      expect(added, record.path).toBeDefined();
      expect(added).toContain(record.middle);
      expect(record.commit).toBe(fixture.head);
    }
  });

  it("builds training examples from the repo as it was at the cutoff", () => {
    expect(train.length).toBeGreaterThan(0);
    for (const record of train) {
      expect(record.commit).toBe(fixture.oldHead);
      expect(record.middle).not.toContain("largestItem");
      expect(record.prefix + record.suffix).not.toContain("low_stock");
    }
  });

  it("never lets a training middle duplicate an evaluation middle", () => {
    const evalMiddles = new Set(evaluation.map((r) => normaliseCode(r.middle)));
    for (const record of train) expect(evalMiddles.has(normaliseCode(record.middle))).toBe(false);
  });

  it("keeps planted secrets out of every output file", () => {
    for (const name of readdirSync(out)) {
      const content = readFileSync(join(out, name), "utf8");
      for (const secret of PLANTED_SECRETS) expect(content, `${name} leaks ${secret}`).not.toContain(secret);
    }
    expect(Object.values(manifest.counts.secretsScrubbed).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(
      2,
    );
    expect(manifest.counts.skippedFiles.secret_file).toBe(2);
  });

  it("skips vendored, generated, lock and binary files and says why", () => {
    const paths = new Set([...train, ...evaluation].map((r) => r.path));
    expect(paths.has("vendor/left-pad.js")).toBe(false);
    expect(paths.has("src/generated/messages.ts")).toBe(false);
    expect(manifest.counts.skippedFiles.vendored).toBe(1);
    expect(manifest.counts.skippedFiles.generated).toBe(1);
    expect(manifest.counts.skippedFiles.lock).toBe(1);
    expect(manifest.counts.skippedFiles.binary).toBe(1);
  });

  it("covers every language of the fixture with the right language id", () => {
    const languages = new Set(train.map((r) => `${r.path}:${r.language}`));
    for (const expected of [
      "src/orders.ts:typescript",
      "py/inventory.py:python",
      "js/helpers.js:javascript",
      "go/server.go:go",
      "rust/lib.rs:rust",
    ]) {
      expect(languages).toContain(expected);
    }
    // Every grammar language's sample is read with its grammar (none falls back to text), and nearly all yield
    // training examples (a sampled middle may be dropped as a duplicate of an evaluation middle, e.g. `result`).
    for (const language of FIXTURE_LANGUAGES)
      expect(manifest.counts.byLanguage[language]?.files, language).toBeGreaterThan(0);
    const trained = new Set(
      train.filter((r) => r.path.startsWith("langs/")).map((r) => r.path.split("/")[1]),
    );
    for (const language of trained) expect(FIXTURE_LANGUAGES).toContain(language);
    expect(trained.size).toBeGreaterThanOrEqual(FIXTURE_LANGUAGES.length - 1);
    expect(new Set(train.map((r) => r.span.kind)).size).toBeGreaterThanOrEqual(5);
  });

  it("renders each record's prompt with the FIM template around its prefix and suffix", () => {
    for (const record of [...train, ...evaluation]) {
      expect(record.prompt.template).toBe("qwen2.5-coder");
      expect(record.prompt.text).toContain(
        `<|file_sep|>${record.path}\n<|fim_prefix|>${record.prefix}<|fim_suffix|>${record.suffix}<|fim_middle|>`,
      );
      expect(record.prompt.text.startsWith("<|repo_name|>")).toBe(true);
      expect(record.prompt.completionEnd).toBe("<|endoftext|>");
    }
  });

  it("gives byte offsets that locate the middle in the file at the record's commit", () => {
    for (const record of evaluation.slice(0, 10)) {
      const file = Buffer.from(fixture.repo.git("show", `${record.commit}:${record.path}`));
      expect(file.subarray(record.span.startByte, record.span.endByte).toString("utf8")).toBe(record.middle);
    }
  });

  it("adds definitions from imported files as context", () => {
    const withMoney = [...train, ...evaluation].filter(
      (r) => r.path === "src/orders.ts" && r.context.some((c) => c.path === "src/money.ts"),
    );
    expect(withMoney.length).toBeGreaterThan(0);
    expect(withMoney[0]!.context[0]!.text).toContain("export function formatPrice");
  });

  it("is deterministic for a seed and matches the golden projection", async () => {
    const again = join(tempDir(), "dataset");
    await buildDataset({
      repo: fixture.repo.root,
      out: again,
      evalShare: FIXTURE_EVAL_SHARE,
      progress: silentProgress,
      cacheDir: null,
    });
    expect(readFileSync(join(again, "train.jsonl"), "utf8")).toBe(
      readFileSync(join(out, "train.jsonl"), "utf8"),
    );
    expect(readFileSync(join(again, "eval.jsonl"), "utf8")).toBe(
      readFileSync(join(out, "eval.jsonl"), "utf8"),
    );
    // The golden file holds what reviewers care about; ids and hashes vary with the fixture's commit hashes.
    const projection = [...evaluation, ...train]
      .map(
        (r) =>
          `${r.split}\t${r.path}\t${r.language}\t${r.span.kind}\t${r.span.startLine}\t${JSON.stringify(r.middle)}`,
      )
      .join("\n");
    const golden = join(import.meta.dirname, "golden", "fixture-dataset.tsv");
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, `${projection}\n`);
    expect(existsSync(golden), "golden missing: run with UPDATE_GOLDEN=1 and review the diff").toBe(true);
    expect(`${projection}\n`).toBe(readFileSync(golden, "utf8"));
  });
});
