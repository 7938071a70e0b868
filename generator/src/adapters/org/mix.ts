/**
 * An organization-wide training set: several repositories' time-split datasets mixed into one dataset folder
 * that satisfies the dataset contract (runtime/src/contracts/dataset.ts), so the trainer reads it like any other.
 *
 * Balance: repository i gets a share proportional to n_i^alpha of the mix (n_i = its examples; alpha = 1:
 * proportional, no balancing; 0: equal shares; default 0.5, the temperature sampling multilingual models use).
 * Examples are never repeated (ids must stay unique), so the larger repositories are subsampled until every
 * share holds: total = min_i n_i / share_i, repository i contributes round(share_i * total). Each repository's
 * sample is seeded and kept in dataset order; the mix is then a seeded shuffle. The held-out sets are mixed with
 * the same rule (the org adapter's own report card), and every repository's full held-out set stays in its own
 * dataset folder for per-repository report cards.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DATASET_SCHEMA_VERSION,
  type DatasetManifest,
  type DatasetRecord,
} from "../../../../runtime/src/contracts/dataset.ts";
import { GENERATOR_VERSION } from "../../dataset/build.ts";
import { seededRandom } from "../../dataset/random.ts";
import { stageDir } from "../../util/atomic.ts";
import { RepoLoraError } from "../../util/errors.ts";

export const DEFAULT_BALANCE = 0.5;
export const MIX_FILE = "mix.json";

export interface MixSource {
  /** Registry key of the repository ("<name>-<8 hex>"). */
  key: string;
  name: string;
  dir: string;
}

/** How many examples each repository contributes: shares ∝ n^alpha, no example repeated. */
export function balancedQuotas(sizes: readonly number[], alpha: number): number[] {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`balance must be in [0, 1], got ${alpha}`);
  const weights = sizes.map((n) => (n > 0 ? n ** alpha : 0));
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return sizes.map(() => 0);
  const shares = weights.map((w) => w / sum);
  const total = Math.min(...sizes.flatMap((n, i) => (n > 0 ? [n / (shares[i] as number)] : [])));
  return sizes.map((n, i) => Math.min(n, Math.round((shares[i] as number) * total)));
}

/** The first `want` of a seeded shuffle of 0..n-1, back in ascending order. */
function seededSample(n: number, want: number, seed: number, key: string): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed, key);
  for (let i = 0; i < Math.min(want, n); i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.slice(0, want).sort((a, b) => a - b);
}

function seededShuffle<T>(items: T[], seed: number, key: string): T[] {
  const out = [...items];
  const random = seededRandom(seed, key);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function readLines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0);
}

export interface MixedRepo {
  key: string;
  name: string;
  dir: string;
  root: string;
  remote: string | null;
  head: string;
  subdir: string;
  cutoff: { commit: string; time: string; source: string };
  train: number;
  eval: number;
  trainMixed: number;
  evalMixed: number;
}

export interface MixResult {
  dir: string;
  manifest: DatasetManifest;
  repos: MixedRepo[];
  duplicatesDropped: number;
}

interface Split {
  lines: string[];
  records: DatasetRecord[];
}

/**
 * Mixes the datasets in `sources` into `out` (train.jsonl, eval.jsonl, dataset.json, mix.json), atomically.
 * Refuses datasets rendered with different prompt templates (one adapter serves one prompt format).
 */
export async function mixDatasets(options: {
  name: string;
  sources: readonly MixSource[];
  out: string;
  balance: number;
  seed: number;
}): Promise<MixResult> {
  const { sources, balance, seed } = options;
  const manifests = sources.map(
    (s) => JSON.parse(readFileSync(join(s.dir, "dataset.json"), "utf8")) as DatasetManifest,
  );
  const templates = new Set(manifests.map((m) => m.options.template));
  if (templates.size > 1)
    throw new RepoLoraError(
      "BAD_DATASET",
      `The datasets use different prompt templates (${[...templates].join(", ")}); an adapter is trained for one.`,
    );
  const load = (dir: string, file: string): Split => {
    const lines = readLines(join(dir, file));
    return { lines, records: lines.map((line) => JSON.parse(line) as DatasetRecord) };
  };
  const train = sources.map((s) => load(s.dir, "train.jsonl"));
  const evals = sources.map((s) => load(s.dir, "eval.jsonl"));
  const trainQuota = balancedQuotas(
    train.map((t) => t.records.length),
    balance,
  );
  const evalQuota = balancedQuotas(
    evals.map((t) => t.records.length),
    balance,
  );
  const seen = new Set<string>();
  let duplicatesDropped = 0;
  const pick = (splits: Split[], quota: number[], split: string) => {
    const chosen: Array<{ line: string; record: DatasetRecord }> = [];
    const taken: number[] = [];
    splits.forEach((s, i) => {
      const indices = seededSample(
        s.records.length,
        quota[i] as number,
        seed,
        `org\0${split}\0${sources[i]?.key}`,
      );
      let n = 0;
      for (const index of indices) {
        const record = s.records[index] as DatasetRecord;
        // The same example in two repositories (a fork, a vendored copy at the same commit) is kept once.
        if (seen.has(record.id)) {
          duplicatesDropped += 1;
          continue;
        }
        seen.add(record.id);
        chosen.push({ line: s.lines[index] as string, record });
        n += 1;
      }
      taken.push(n);
    });
    return { chosen: seededShuffle(chosen, seed, `org\0${split}\0mix`), taken };
  };
  const mixedTrain = pick(train, trainQuota, "train");
  const mixedEval = pick(evals, evalQuota, "eval");

  const repos: MixedRepo[] = sources.map((s, i) => {
    const m = manifests[i] as DatasetManifest;
    return {
      key: s.key,
      name: s.name,
      dir: s.dir,
      root: m.repo.root,
      remote: m.repo.remote,
      head: m.repo.head,
      subdir: m.repo.subdir,
      cutoff: { commit: m.cutoff.commit, time: m.cutoff.time, source: m.cutoff.source },
      train: train[i]?.records.length ?? 0,
      eval: evals[i]?.records.length ?? 0,
      trainMixed: mixedTrain.taken[i] ?? 0,
      evalMixed: mixedEval.taken[i] ?? 0,
    };
  });
  const manifest = mixedManifest(options.name, manifests, mixedTrain.chosen, mixedEval.chosen, seed, repos);
  const info = {
    schema: 1,
    org: options.name,
    balance,
    rule: "share of repository i proportional to n_i^balance; larger repositories subsampled (seeded), nothing repeated",
    seed,
    duplicatesDropped,
    repos,
  };
  const staged = await stageDir(options.out);
  try {
    writeFileSync(join(staged.path, "train.jsonl"), mixedTrain.chosen.map((c) => `${c.line}\n`).join(""));
    writeFileSync(join(staged.path, "eval.jsonl"), mixedEval.chosen.map((c) => `${c.line}\n`).join(""));
    writeFileSync(join(staged.path, "dataset.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(staged.path, MIX_FILE), `${JSON.stringify(info, null, 2)}\n`);
    await staged.commit();
  } finally {
    await staged.discard();
  }
  return { dir: options.out, manifest, repos, duplicatesDropped };
}

function sumOf(manifests: DatasetManifest[], pick: (m: DatasetManifest) => number): number {
  return manifests.reduce((s, m) => s + pick(m), 0);
}

function addCounts(maps: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const map of maps) for (const [k, v] of Object.entries(map)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * dataset.json of the mix, exactly in the contract's shape (no extra fields): `repo` names the organization
 * (`root` "org:<name>", no remote, no head: the bundle's manifest is rewritten with the real repositories), the
 * cutoff is the newest of the repositories' (its commit empty: there is one per repository, in mix.json).
 */
function mixedManifest(
  name: string,
  manifests: DatasetManifest[],
  train: Array<{ record: DatasetRecord }>,
  evals: Array<{ record: DatasetRecord }>,
  seed: number,
  repos: MixedRepo[],
): DatasetManifest {
  const first = manifests[0] as DatasetManifest;
  const byLanguage: DatasetManifest["counts"]["byLanguage"] = {};
  const bySpanKind: DatasetManifest["counts"]["bySpanKind"] = {};
  const files = new Map<string, Set<string>>();
  for (const [split, rows] of [
    ["train", train],
    ["eval", evals],
  ] as const) {
    for (const { record } of rows) {
      const lang = byLanguage[record.language] ?? { files: 0, train: 0, eval: 0 };
      lang[split] += 1;
      byLanguage[record.language] = lang;
      const kind = bySpanKind[record.span.kind] ?? { train: 0, eval: 0 };
      kind[split] += 1;
      bySpanKind[record.span.kind] = kind;
      const set = files.get(record.language) ?? new Set<string>();
      set.add(`${record.repo}\0${record.path}`);
      files.set(record.language, set);
    }
  }
  for (const [language, set] of files) (byLanguage[language] as { files: number }).files = set.size;
  const sources = new Set(manifests.map((m) => m.cutoff.source));
  const newest = [...manifests].sort((a, b) =>
    b.cutoff.time.localeCompare(a.cutoff.time),
  )[0] as DatasetManifest;
  const headTime = [...manifests].sort((a, b) => b.repo.headTime.localeCompare(a.repo.headTime))[0]?.repo
    .headTime as string;
  const languages = manifests.every((m) => m.options.languages === null)
    ? null
    : [...new Set(manifests.flatMap((m) => m.options.languages ?? []))].sort();
  return {
    schema: DATASET_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    generator: { version: GENERATOR_VERSION },
    repo: {
      root: `org:${name}`,
      subdir: "",
      remote: null,
      head: "",
      headTime,
      branch: null,
      shallow: manifests.some((m) => m.repo.shallow),
    },
    cutoff: {
      commit: "",
      time: newest.cutoff.time,
      source: sources.size === 1 ? first.cutoff.source : "default",
      evalLineShare: sumOf(manifests, (m) => m.cutoff.evalLineShare) / manifests.length,
    },
    options: {
      seed,
      template: first.options.template,
      maxPromptTokens: Math.max(...manifests.map((m) => m.options.maxPromptTokens)),
      languages,
      spanMix: first.options.spanMix,
    },
    tokenizer: first.tokenizer,
    counts: {
      files: sumOf(manifests, (m) => m.counts.files),
      lines: sumOf(manifests, (m) => m.counts.lines),
      train: train.length,
      eval: evals.length,
      trainTokens: train.reduce((s, { record }) => s + record.prompt.tokens, 0),
      evalTokens: evals.reduce((s, { record }) => s + record.prompt.tokens, 0),
      byLanguage,
      bySpanKind,
      skippedFiles: addCounts(manifests.map((m) => m.counts.skippedFiles)),
      secretsScrubbed: addCounts(manifests.map((m) => m.counts.secretsScrubbed)),
      dedupRemoved: sumOf(manifests, (m) => m.counts.dedupRemoved),
      bulkCommitsSkipped: sumOf(manifests, (m) => m.counts.bulkCommitsSkipped),
      filesWithSyntaxErrors: sumOf(manifests, (m) => m.counts.filesWithSyntaxErrors),
    },
    warnings: manifests.flatMap((m, i) => m.warnings.map((w) => `${repos[i]?.name}: ${w}`)),
    timings: {},
  };
}
