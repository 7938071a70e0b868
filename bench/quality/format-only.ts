/**
 * The benchmark's format-only training set: for one repository, a mix of the *other* benchmarked repositories'
 * training examples (leave-one-out), so an adapter trained on it with the same recipe learns the FIM format and
 * when to stop, but nothing of the repository it is scored on.
 *
 * Balance: the mix has as many examples as the repository's own training set (same steps and same data size,
 * so "adapter − format-only" measures which code was learned, not how many epochs), split in equal shares
 * over the other repositories by water-filling — a repository with fewer examples than its share gives all it
 * has and the rest is spread over the others — so one big repository does not dominate. Each share is a seeded
 * sample of that repository's train.jsonl, kept in file order; record lines are copied byte for byte.
 *
 * The folder is a regular dataset (train.jsonl, an empty eval.jsonl, dataset.json valid against
 * DatasetManifest) that the trainer accepts, plus mix.json naming the sources.
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GENERATOR_VERSION } from "../../generator/src/dataset/build.ts";
import { seededRandom } from "../../generator/src/dataset/random.ts";
import { stageDir } from "../../generator/src/util/atomic.ts";
import { RepoLoraError } from "../../generator/src/util/errors.ts";
import {
  DATASET_SCHEMA_VERSION,
  DatasetManifest,
  type DatasetRecord,
} from "../../runtime/src/contracts/dataset.ts";

/** One benchmarked repository whose plain training set can feed another repository's mix. */
export interface MixSource {
  name: string;
  /** Plain dataset folder (train.jsonl, dataset.json). */
  dataset: string;
  head: string;
}

export interface MixShare {
  name: string;
  head: string;
  /** Training examples the source has. */
  available: number;
  /** Of which the mix took. */
  taken: number;
}

/** mix.json: what the mix was drawn from, so --reuse can tell a stale mix. */
export interface MixInfo {
  schema: 1;
  /** The repository this mix is the format-only training set of (it contributes nothing). */
  target: string;
  /** Requested size: the target's own training examples. */
  size: number;
  seed: number;
  sources: MixShare[];
  /** Examples written (less than the sum of `taken` only when two sources share an example id). */
  examples: number;
}

/**
 * Water-filling: `target` split over sources with `available[i]` items each, in shares as equal as possible; a
 * source with less than its share gives all it has and the remainder goes to the others. Sources are served
 * from the smallest up (ties in list order), each taking ⌈remaining / sources left⌉ at most, so the shares
 * differ by at most one where no source runs short. Never more than `available` in all.
 */
export function balancedShares(available: readonly number[], target: number): number[] {
  const shares = available.map(() => 0);
  const order = available.map((_, i) => i).sort((a, b) => available[a]! - available[b]! || a - b);
  let remaining = Math.max(
    0,
    Math.min(
      target,
      available.reduce((s, n) => s + n, 0),
    ),
  );
  order.forEach((i, k) => {
    const take = Math.min(available[i]!, Math.ceil(remaining / (order.length - k)));
    shares[i] = take;
    remaining -= take;
  });
  return shares;
}

/** A seeded sample of `k` of the indices 0..n−1 (partial Fisher–Yates), in increasing order. */
export function sampleIndices(n: number, k: number, random: () => number): number[] {
  const indices = Array.from({ length: n }, (_, i) => i);
  const take = Math.max(0, Math.min(k, n));
  for (let i = 0; i < take; i += 1) {
    const j = i + Math.floor(random() * (n - i));
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices.slice(0, take).sort((a, b) => a - b);
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

function readManifest(datasetDir: string): DatasetManifest {
  return DatasetManifest.parse(JSON.parse(readFileSync(join(datasetDir, "dataset.json"), "utf8")));
}

/** The mix.json of an earlier run, when it was drawn for the same target, size, seed and source HEADs. */
export function reusableMix(
  dir: string,
  target: string,
  size: number,
  seed: number,
  sources: readonly MixSource[],
): MixInfo | null {
  const path = join(dir, "mix.json");
  if (!existsSync(path) || !existsSync(join(dir, "dataset.json"))) return null;
  const info = JSON.parse(readFileSync(path, "utf8")) as MixInfo;
  const same =
    info.schema === 1 &&
    info.target === target &&
    info.size === size &&
    info.seed === seed &&
    info.sources.length === sources.length &&
    info.sources.every((s, i) => s.name === sources[i]!.name && s.head === sources[i]!.head);
  return same ? info : null;
}

/**
 * Writes the format-only dataset of `target` into `out` (atomically): `size` training examples drawn in
 * balanced seeded shares from the sources' plain train.jsonl. All sources must share the prompt template and
 * budget (they do in one benchmark run: one base model, one --max-tokens).
 */
export async function buildFormatOnlyDataset(options: {
  target: string;
  sources: readonly MixSource[];
  size: number;
  seed: number;
  out: string;
}): Promise<{ manifest: DatasetManifest; info: MixInfo }> {
  const { sources, seed } = options;
  if (sources.length === 0)
    throw new RepoLoraError("BAD_ARGUMENT", `${options.target}: a format-only mix needs another repository.`);
  const manifests = sources.map((s) => readManifest(s.dataset));
  const first = manifests[0]!;
  for (const [i, m] of manifests.entries()) {
    if (
      m.options.template !== first.options.template ||
      m.options.maxPromptTokens !== first.options.maxPromptTokens
    )
      throw new RepoLoraError(
        "BAD_DATASET",
        `${sources[i]!.name}'s dataset was built for another template or prompt budget than ${sources[0]!.name}'s; ` +
          "a format-only mix needs one format.",
      );
  }
  const trainLines = sources.map((s) => lines(join(s.dataset, "train.jsonl")));
  const shares = balancedShares(
    trainLines.map((l) => l.length),
    options.size,
  );
  const chosen: string[] = [];
  const records: DatasetRecord[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  sources.forEach((source, s) => {
    const pool = trainLines[s]!;
    for (const index of sampleIndices(
      pool.length,
      shares[s]!,
      seededRandom(seed, `format-only\0${source.name}`),
    )) {
      const record = JSON.parse(pool[index]!) as DatasetRecord;
      if (seen.has(record.id)) {
        duplicates += 1;
        continue;
      }
      seen.add(record.id);
      chosen.push(pool[index]!);
      records.push(record);
    }
  });
  const byLanguage: DatasetManifest["counts"]["byLanguage"] = {};
  const bySpanKind: DatasetManifest["counts"]["bySpanKind"] = {};
  const files = new Set<string>();
  for (const record of records) {
    byLanguage[record.language] ??= { files: 0, train: 0, eval: 0 };
    byLanguage[record.language]!.train += 1;
    const file = `${record.repo}\0${record.path}`;
    if (!files.has(file)) byLanguage[record.language]!.files += 1;
    files.add(file);
    bySpanKind[record.span.kind] ??= { train: 0, eval: 0 };
    bySpanKind[record.span.kind]!.train += 1;
  }
  const info: MixInfo = {
    schema: 1,
    target: options.target,
    size: options.size,
    seed,
    sources: sources.map((source, s) => ({
      name: source.name,
      head: source.head,
      available: trainLines[s]!.length,
      taken: shares[s]!,
    })),
    examples: records.length,
  };
  const cutoffTimes = manifests.map((m) => m.cutoff.time).sort();
  const manifest = DatasetManifest.parse({
    schema: DATASET_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    generator: { version: GENERATOR_VERSION },
    // Not one repository: the folder itself stands in for the root, with no remote and no single HEAD
    // (mix.json lists the sources and their HEADs).
    repo: {
      root: options.out,
      subdir: "",
      remote: null,
      head: "",
      headTime: manifests
        .map((m) => m.repo.headTime)
        .sort()
        .at(-1)!,
      branch: null,
      shallow: false,
    },
    // Every record was cut at its own repository's cutoff; the latest of them is recorded, with no commit.
    cutoff: {
      commit: "",
      time: cutoffTimes.at(-1)!,
      source: manifests.every((m) => m.cutoff.source === first.cutoff.source)
        ? first.cutoff.source
        : "default",
      evalLineShare: 0,
    },
    options: { ...first.options, seed },
    tokenizer: first.tokenizer,
    counts: {
      files: files.size,
      lines: 0,
      train: records.length,
      eval: 0,
      trainTokens: records.reduce((sum, r) => sum + r.prompt.tokens, 0),
      evalTokens: 0,
      byLanguage,
      bySpanKind,
      skippedFiles: {},
      secretsScrubbed: {},
      dedupRemoved: duplicates,
      bulkCommitsSkipped: 0,
      filesWithSyntaxErrors: 0,
    },
    warnings: [
      `format-only mix for ${options.target}: ${info.sources.map((s) => `${s.taken} of ${s.available} training examples of ${s.name}`).join(", ")}` +
        (duplicates > 0 ? ` (${duplicates} duplicate ids dropped)` : ""),
    ],
    timings: {},
  });
  const staged = await stageDir(options.out);
  try {
    await writeFile(join(staged.path, "train.jsonl"), chosen.map((line) => `${line}\n`).join(""));
    await writeFile(join(staged.path, "eval.jsonl"), "");
    await writeFile(join(staged.path, "dataset.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(staged.path, "mix.json"), `${JSON.stringify(info, null, 2)}\n`);
    await staged.commit();
  } finally {
    await staged.discard();
  }
  return { manifest, info };
}
