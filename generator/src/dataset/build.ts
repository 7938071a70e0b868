/**
 * repo → dataset: mine (HEAD, cutoff, new lines), read and scrub files, parse (cached by blob), choose spans,
 * render prompts with the shared prompt builder, split by time, drop near-duplicates of evaluation code,
 * and write train.jsonl / eval.jsonl / dataset.json atomically.
 */

import { createHash } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import {
  DATASET_SCHEMA_VERSION,
  type DatasetManifest,
  type DatasetRecord,
} from "../../../runtime/src/contracts/dataset.ts";
import {
  buildPrompt,
  buildRetrievalIndex,
  type ChosenContext,
  DEFAULT_BUDGET,
  estimateTokens,
  getTemplate,
  type PromptBudget,
  type RetrievalIndex,
  type RetrievedContext,
  retrievalOptionsForBudget,
  retrieveContext,
  type SymbolIndex,
  selectContext,
  type TemplateId,
  type TokenCounter,
} from "../../../runtime/src/prompt/index.ts";
import type { Progress } from "../cli/progress.ts";
import { BlobReader } from "../mine/blobs.ts";
import { CommitCache } from "../mine/commit-cache.ts";
import { analyseWindow, type Cutoff, defaultCutoff, explicitCutoff } from "../mine/cutoff.ts";
import { addedLinesSince, type LineRange } from "../mine/diff.ts";
import { ObjectStore } from "../mine/objects.ts";
import { openRepo, type RepoInfo } from "../mine/repo.ts";
import { listTree } from "../mine/tree.ts";
import { parseSource } from "../parse/parse.ts";
import type { ParsedFile } from "../parse/types.ts";
import { scrubRulesFingerprint } from "../secrets/index.ts";
import { assertWritableTarget, stageDir } from "../util/atomic.ts";
import { checkpoint, throwIfCancelled } from "../util/cancel.ts";
import { RepoLoraError } from "../util/errors.ts";
import {
  buildCacheRoot,
  cacheMaxBytes,
  defaultCacheDir,
  enforceCacheCap,
  markCacheUsed,
} from "./cache-dir.ts";
import { NearDuplicateIndex } from "./dedup.ts";
import { DEFAULT_SAMPLING, lineOf, lineStarts, type SamplingOptions, sampleSpans } from "./examples.ts";
import { PARSE_CACHE_VERSION, ParseCache } from "./parse-cache.ts";
import { seededRandom, stableId } from "./random.ts";
import {
  codeFingerprint,
  IndexDigests,
  RecordCache,
  type RecordRow,
  recordKey,
  trackIndex,
} from "./record-cache.ts";
import { ScrubCache } from "./scrub-cache.ts";
import { makeSnapshotOptions, readSnapshot, type SnapshotFile, type SnapshotStats } from "./snapshot.ts";
import { buildSymbolIndex } from "./symbols.ts";

export const GENERATOR_VERSION = "0.1.0";

export interface BuildOptions {
  repo: string;
  out: string;
  subdir?: string;
  force?: boolean;
  /** Commit-ish or date; default: the newest `evalShare` of changed lines. */
  cutoff?: string;
  evalShare?: number;
  languages?: string[] | null;
  template?: TemplateId;
  budget?: PromptBudget;
  sampling?: Partial<SamplingOptions>;
  /** A tokenizer.json for exact token counts; otherwise counts are estimated. */
  tokenizer?: string;
  /** null disables the on-disk parse cache. */
  cacheDir?: string | null;
  /** Append BM25-retrieved snippets (runtime/src/prompt/retrieval.ts) after the definitions. Default off. */
  retrieval?: boolean;
  maxFileBytes?: number;
  progress: Progress;
  signal?: AbortSignal;
}

export interface BuildResult {
  manifest: DatasetManifest;
  out: string;
}

interface ParsedSnapshotFile extends SnapshotFile {
  parsed: ParsedFile;
}

/** Evaluation-eligible lines per path; null when the split is by file because history is too short. */
type EvalPlan =
  | { mode: "time"; cutoff: Cutoff; lines: Map<string, LineRange[]>; bulkCommits: number }
  | { mode: "files"; evalPaths: Set<string> };

export async function buildDataset(options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  const mark = (name: string, since: number) => {
    timings[name] = (Date.now() - since) / 1000;
    return Date.now();
  };
  const out = resolve(options.out);
  assertWritableTarget(out, options.force ?? false);
  const { progress, signal } = options;
  const sampling: SamplingOptions = { ...DEFAULT_SAMPLING, ...options.sampling };
  const budget = options.budget ?? DEFAULT_BUDGET;
  const countTokens = options.tokenizer ? await loadTokenCounter(options.tokenizer) : estimateTokens;
  const warnings: string[] = [];

  let t = Date.now();
  const { info } = await openRepo(options.repo, options.subdir);
  if (info.shallow) {
    warnings.push(
      "This is a shallow clone: history is cut short, so the time split sees fewer commits and may degrade.",
    );
  }
  const store = await ObjectStore.open(info.root);
  const headEntries = await listTree(info.root, info.head, info.subdir, store);
  const repoloraIgnore = headEntries.find((e) => e.path === ".repoloraignore");
  const reader = new BlobReader(info.root);
  const stats: SnapshotStats = { skipped: {}, scrubbed: {} };
  try {
    const defaultCache = options.cacheDir === undefined;
    const cacheDir = defaultCache ? defaultCacheDir(info.root) : (options.cacheDir ?? null);
    if (defaultCache && cacheDir) await markCacheUsed(cacheDir, info.root).catch(() => {});
    const scrubCache = ScrubCache.open(cacheDir);
    const snapshotOptions = {
      ...makeSnapshotOptions(
        repoloraIgnore ? (await reader.read(repoloraIgnore.blob)).toString("utf8") : undefined,
        options.maxFileBytes ?? 1024 * 1024,
        options.languages ?? null,
      ),
      scrubCache,
      store,
    };
    progress.phase("reading files", headEntries.length);
    const headFiles = await readSnapshot(headEntries, reader, snapshotOptions, stats, () => progress.tick());
    throwIfCancelled(signal);
    if (headFiles.length === 0) {
      throw new RepoLoraError(
        "NO_SUPPORTED_FILES",
        `No source files to learn from in ${info.root}${info.subdir ? `/${info.subdir}` : ""} (skipped: ${describe(stats.skipped)}).`,
        options.languages
          ? "Check --languages, or run without it."
          : "Is this the right folder? Binary, generated, vendored and lock files are skipped.",
      );
    }
    t = mark("readHead", t);

    const totalLines = headFiles.reduce((sum, f) => sum + f.lines, 0);
    const commitCache = CommitCache.open(cacheDir);
    const plan = await planEvaluation(info, headFiles, totalLines, options, warnings, commitCache, store);
    await commitCache?.save();
    t = mark("history", t);

    // Training code is the repo as it was at the cutoff (files kept at HEAD that existed then).
    let trainFiles: SnapshotFile[];
    if (plan.mode === "time") {
      const keptPaths = new Set(headFiles.map((f) => f.path));
      const byBlob = new Map(headFiles.map((f) => [f.blob, f]));
      const cutoffEntries = (await listTree(info.root, plan.cutoff.commit, info.subdir, store)).filter((e) =>
        keptPaths.has(e.path),
      );
      const unchanged = cutoffEntries.filter((e) => byBlob.get(e.blob)?.path === e.path);
      const changed = cutoffEntries.filter((e) => byBlob.get(e.blob)?.path !== e.path);
      const cutoffStats: SnapshotStats = { skipped: {}, scrubbed: {} };
      const changedFiles = await readSnapshot(changed, reader, snapshotOptions, cutoffStats, () => {});
      trainFiles = [...unchanged.map((e) => byBlob.get(e.blob)!), ...changedFiles];
      await scrubCache?.save();
    } else {
      trainFiles = headFiles.filter((f) => !plan.evalPaths.has(f.path));
      await scrubCache?.save();
    }
    const evalFiles =
      plan.mode === "time"
        ? headFiles.filter((f) => plan.lines.has(f.path))
        : headFiles.filter((f) => plan.evalPaths.has(f.path));
    t = mark("readCutoff", t);

    const cache = ParseCache.open(cacheDir);
    const unique = new Map<string, SnapshotFile>();
    const fileKey = (file: SnapshotFile) => `${file.blob}:${file.language}`;
    // Every HEAD file feeds the evaluation symbol index, every cutoff file the training one.
    for (const file of [...trainFiles, ...headFiles]) unique.set(fileKey(file), file);
    progress.phase("parsing", unique.size);
    const parsedByKey = new Map<string, ParsedFile>();
    let filesWithSyntaxErrors = 0;
    for (const [key, file] of unique) {
      await checkpoint(signal);
      const parsed = await cache.get(file.blob, file.language, () => parseSource(file.text, file.language));
      if (parsed.errorCount > 0) filesWithSyntaxErrors += 1;
      parsedByKey.set(key, parsed);
      progress.tick();
    }
    await cache.save();
    const withParse = (file: SnapshotFile): ParsedSnapshotFile => ({
      ...file,
      parsed: parsedByKey.get(fileKey(file))!,
    });
    t = mark("parse", t);

    const trainCommit = plan.mode === "time" ? plan.cutoff.commit : info.head;
    const recordContext: RecordContext = {
      repo: info.remote ?? info.name,
      repoName: info.name,
      template: options.template ?? "qwen2.5-coder",
      budget,
      countTokens,
    };
    const recordCache = RecordCache.open(cacheDir);
    const baseKey = recordCache
      ? recordKey({
          code: codeFingerprint(),
          scrubRules: scrubRulesFingerprint(),
          generator: GENERATOR_VERSION,
          parseCache: PARSE_CACHE_VERSION,
          repo: recordContext.repo,
          repoName: recordContext.repoName,
          template: recordContext.template,
          budget,
          sampling,
          tokenizer: options.tokenizer ? await fileDigest(options.tokenizer) : null,
        })
      : "";
    const rowsOf = (job: SplitJob) =>
      buildRows(job, {
        context: recordContext,
        sampling,
        cache: recordCache,
        baseKey,
        withParse,
        signal,
        progress,
      });
    progress.phase("building examples", evalFiles.length + trainFiles.length);
    const evalIndex = buildSymbolIndex(headFiles.map(withParse));
    // Retrieval, like the symbol index, sees HEAD for evaluation and the cutoff snapshot for training.
    const evalRetrieval = options.retrieval
      ? buildRetrievalIndex(headFiles, retrievalOptionsForBudget(budget))
      : undefined;
    const evalRows = await rowsOf({
      split: "eval",
      commit: info.head,
      files: evalFiles,
      index: evalIndex,
      retrieval: evalRetrieval,
      onlyLines: plan.mode === "time" ? (path) => plan.lines.get(path) ?? [] : null,
    });
    const dedup = new NearDuplicateIndex();
    for (const row of evalRows) dedup.add(row.middle);
    const trainIndex = plan.mode === "time" ? buildSymbolIndex(trainFiles.map(withParse)) : evalIndex;
    const trainRetrieval =
      options.retrieval && plan.mode === "time"
        ? buildRetrievalIndex(trainFiles, retrievalOptionsForBudget(budget))
        : evalRetrieval;
    const allTrainRows = await rowsOf({
      split: "train",
      commit: trainCommit,
      files: trainFiles,
      index: trainIndex,
      retrieval: trainRetrieval,
      onlyLines: null,
    });
    // Dedup after making (and caching) training records: which duplicate evaluation ones depends on HEAD.
    const trainRows = allTrainRows.filter((row) => !dedup.matches(row.middle));
    const dedupRemoved = allTrainRows.length - trainRows.length;
    await recordCache?.prune();
    // Only the shared default location is capped: a folder the caller chose is theirs to manage.
    if (defaultCache && cacheDir)
      await enforceCacheCap(buildCacheRoot(), cacheMaxBytes(), cacheDir).catch(() => []);
    progress.done();
    mark("examples", t);

    const missingWarning = store.warning();
    if (missingWarning) warnings.push(missingWarning);
    const manifest = makeManifest({
      info,
      missingObjects: store.missing.size,
      plan,
      options,
      sampling,
      headFiles,
      totalLines,
      trainRows,
      evalRows,
      stats,
      dedupRemoved,
      filesWithSyntaxErrors,
      warnings,
      timings,
    });
    timings.total = (Date.now() - started) / 1000;
    timings.parseCacheHits = cache.hits;
    timings.parseCacheMisses = cache.misses;
    timings.commitCacheHits = commitCache?.hits ?? 0;
    timings.commitCacheMisses = commitCache?.misses ?? 0;
    timings.recordCacheHits = recordCache?.hits ?? 0;
    throwIfCancelled(signal);
    await writeDataset(out, trainRows, evalRows, manifest, signal);
    return { manifest, out };
  } finally {
    reader.close();
  }
}

async function planEvaluation(
  info: RepoInfo,
  headFiles: readonly SnapshotFile[],
  totalLines: number,
  options: BuildOptions,
  warnings: string[],
  commitCache: CommitCache | null,
  store: ObjectStore,
): Promise<EvalPlan> {
  const evalShare = options.evalShare ?? 0.1;
  const kept = new Set(headFiles.map((f) => f.path));
  const cutoff = options.cutoff
    ? await explicitCutoff(info.root, info.head, options.cutoff)
    : await defaultCutoff({
        root: info.root,
        head: info.head,
        subdir: info.subdir,
        counts: (path) => kept.has(path),
        totalLines,
        share: evalShare,
        commitCache,
        store,
      });
  if (!cutoff) {
    warnings.push(
      "History is too short to hold out code by time; evaluation uses a seeded ~10% of files instead (scores are less honest).",
    );
    const random = seededRandom(options.sampling?.seed ?? DEFAULT_SAMPLING.seed, info.head);
    const paths = headFiles.map((f) => f.path);
    const evalPaths = new Set(paths.filter(() => random() < evalShare));
    if (evalPaths.size === 0 && paths.length > 1) evalPaths.add(paths[Math.floor(random() * paths.length)]!);
    return { mode: "files", evalPaths };
  }
  const [added, window] = await Promise.all([
    addedLinesSince(info.root, cutoff.commit, info.head, info.subdir, undefined, store),
    analyseWindow(info.root, cutoff, info.head, info.subdir, undefined, commitCache, store),
  ]);
  // In files a bulk commit touched, only lines added after that commit count (one diff per bulk commit).
  const pathsByBulk = new Map<string, string[]>();
  for (const [path, commit] of window.lastBulkByPath) {
    if (added.has(path) && kept.has(path))
      pathsByBulk.set(commit, [...(pathsByBulk.get(commit) ?? []), path]);
  }
  const bulkCommits = [...pathsByBulk.keys()];
  const bulkDiffs = await Promise.all(
    bulkCommits.map((c) => addedLinesSince(info.root, c, info.head, info.subdir, pathsByBulk.get(c), store)),
  );
  const sinceBulk = new Map(bulkCommits.map((c, i) => [c, bulkDiffs[i]!]));
  const lines = new Map<string, LineRange[]>();
  for (const [path, ranges] of added) {
    if (!kept.has(path)) continue;
    const bulk = window.lastBulkByPath.get(path);
    const eligible = bulk ? (sinceBulk.get(bulk)?.get(path) ?? []) : ranges;
    if (eligible.length > 0) lines.set(path, eligible);
  }
  if (window.bulkCommits.length > 0) {
    warnings.push(
      `${window.bulkCommits.length} bulk commit(s) after the cutoff (${window.lastBulkByPath.size} files): their lines are not used for evaluation.`,
    );
  }
  return { mode: "time", cutoff, lines, bulkCommits: window.bulkCommits.length };
}

interface SplitJob {
  split: "train" | "eval";
  commit: string;
  files: readonly SnapshotFile[];
  index: SymbolIndex;
  retrieval: RetrievalIndex | undefined;
  /** Evaluation: the lines spans must lie in, per path; null for training. */
  onlyLines: ((path: string) => LineRange[]) | null;
}

interface RowsEnvironment {
  context: RecordContext;
  sampling: SamplingOptions;
  cache: RecordCache | null;
  baseKey: string;
  withParse: (file: SnapshotFile) => ParsedSnapshotFile;
  signal: AbortSignal | undefined;
  progress: Progress;
}

/**
 * The records of one split, file by file in order: from the record cache when the file's entry is valid
 * for this index (record-cache.ts), else made (and cached). With retrieval nothing is cached: a retrieval
 * index's scores depend on every file.
 */
async function buildRows(job: SplitJob, env: RowsEnvironment): Promise<RecordRow[]> {
  const cache = job.retrieval ? null : env.cache;
  const digests = cache ? new IndexDigests(job.index) : null;
  const tracked = trackIndex(job.index);
  // Only what is cached needs its index reads tracked.
  const index = cache ? tracked.index : job.index;
  const rows: RecordRow[] = [];
  for (const snapshotFile of job.files) {
    await checkpoint(env.signal);
    const onlyLines = job.onlyLines?.(snapshotFile.path);
    const key =
      cache &&
      recordKey([
        env.baseKey,
        job.split,
        job.commit,
        snapshotFile.path,
        snapshotFile.blob,
        snapshotFile.language,
        onlyLines ?? null,
      ]);
    const cached = key && digests ? cache.get(key, digests) : null;
    if (cached) {
      for (const row of cached) rows.push(row);
      env.progress.tick();
      continue;
    }
    const file = withStarts(env.withParse(snapshotFile));
    const spans = sampleSpans(
      {
        key: `${file.path}\0${job.commit}`,
        text: file.text,
        starts: file.starts,
        spans: file.parsed.spans,
        ...(onlyLines ? { onlyLines } : {}),
      },
      env.sampling,
    );
    tracked.reset();
    const fileRows = spans.map((span) =>
      toRow(makeRecord(env.context, file, job.commit, job.split, span, index, job.retrieval)),
    );
    for (const row of fileRows) rows.push(row);
    const reads = tracked.reads();
    if (key && digests && reads) await cache.put(key, reads, digests, fileRows);
    env.progress.tick();
  }
  return rows;
}

function withStarts<T extends SnapshotFile>(file: T): T & { starts: number[] } {
  return { ...file, starts: lineStarts(file.text) };
}

interface RecordContext {
  repo: string;
  repoName: string;
  template: TemplateId;
  budget: PromptBudget;
  countTokens: TokenCounter;
}

function makeRecord(
  context: RecordContext,
  file: ParsedSnapshotFile & { starts: readonly number[] },
  commit: string,
  split: "train" | "eval",
  span: { kind: DatasetRecord["span"]["kind"]; start: number; end: number },
  index: SymbolIndex,
  retrieval?: RetrievalIndex,
): DatasetRecord {
  const prefix = file.text.slice(0, span.start);
  const middle = file.text.slice(span.start, span.end);
  const suffix = file.text.slice(span.end);
  const template = getTemplate(context.template);
  const chosen: Array<ChosenContext | RetrievedContext> = selectContext(file.path, prefix, suffix, index);
  if (retrieval) {
    // The middle's own lines (and those around them) are never retrieved: the answer must not leak.
    const excludeLines = { start: lineOf(file.starts, span.start), end: lineOf(file.starts, span.end) + 1 };
    chosen.push(...retrieveContext(retrieval, { path: file.path, prefix, suffix, excludeLines }));
  }
  const prompt = buildPrompt({
    template,
    repoName: context.repoName,
    path: file.path,
    prefix,
    suffix,
    context: chosen,
    budget: context.budget,
    countTokens: context.countTokens,
  });
  const kept = new Set(prompt.context); // by identity: a path may come both as definitions and as retrieval
  const startByte = Buffer.byteLength(prefix, "utf8");
  return {
    schema: DATASET_SCHEMA_VERSION,
    id: stableId(file.path, commit, span.kind, span.start, span.end),
    repo: context.repo,
    path: file.path,
    language: file.language,
    commit,
    split,
    prefix: prompt.prefix,
    middle,
    suffix: prompt.suffix,
    context: chosen.filter((c) => kept.has(c)),
    span: {
      kind: span.kind,
      startByte,
      endByte: startByte + Buffer.byteLength(middle, "utf8"),
      startLine: lineOf(file.starts, span.start),
    },
    prompt: {
      template: template.id,
      text: prompt.text,
      completionEnd: template.completionEnd,
      tokens: prompt.tokens,
    },
  };
}

interface ManifestInput {
  info: RepoInfo;
  /** Objects the history references that the local store lacks (objects.ts). */
  missingObjects: number;
  plan: EvalPlan;
  options: BuildOptions;
  sampling: SamplingOptions;
  headFiles: readonly SnapshotFile[];
  totalLines: number;
  trainRows: readonly RecordRow[];
  evalRows: readonly RecordRow[];
  stats: SnapshotStats;
  dedupRemoved: number;
  filesWithSyntaxErrors: number;
  warnings: string[];
  timings: Record<string, number>;
}

function makeManifest(input: ManifestInput): DatasetManifest {
  const { info, plan, options } = input;
  const byLanguage: DatasetManifest["counts"]["byLanguage"] = {};
  for (const file of input.headFiles) {
    byLanguage[file.language] ??= { files: 0, train: 0, eval: 0 };
    byLanguage[file.language]!.files += 1;
  }
  const bySpanKind: DatasetManifest["counts"]["bySpanKind"] = {};
  for (const [split, rows] of [
    ["train", input.trainRows],
    ["eval", input.evalRows],
  ] as const) {
    for (const row of rows) {
      byLanguage[row.language] ??= { files: 0, train: 0, eval: 0 };
      byLanguage[row.language]![split] += 1;
      bySpanKind[row.kind] ??= { train: 0, eval: 0 };
      bySpanKind[row.kind]![split] += 1;
    }
  }
  const evalLines =
    plan.mode === "time" ? [...plan.lines.values()].flat().reduce((s, r) => s + r.end - r.start, 0) : 0;
  return {
    schema: DATASET_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    generator: { version: GENERATOR_VERSION },
    repo: {
      root: info.root,
      subdir: info.subdir,
      remote: info.remote,
      head: info.head,
      headTime: info.headTime.toISOString(),
      branch: info.branch,
      shallow: info.shallow,
    },
    cutoff:
      plan.mode === "time"
        ? {
            commit: plan.cutoff.commit,
            time: plan.cutoff.time.toISOString(),
            source: plan.cutoff.source,
            evalLineShare: input.totalLines > 0 ? evalLines / input.totalLines : 0,
          }
        : { commit: info.head, time: info.headTime.toISOString(), source: "file_holdout", evalLineShare: 0 },
    options: {
      seed: input.sampling.seed,
      template: options.template ?? "qwen2.5-coder",
      maxPromptTokens: (options.budget ?? DEFAULT_BUDGET).maxTokens,
      languages: options.languages ?? null,
      spanMix: input.sampling.spanMix,
    },
    tokenizer: options.tokenizer ?? null,
    counts: {
      files: input.headFiles.length,
      lines: input.totalLines,
      train: input.trainRows.length,
      eval: input.evalRows.length,
      trainTokens: input.trainRows.reduce((s, r) => s + r.tokens, 0),
      evalTokens: input.evalRows.reduce((s, r) => s + r.tokens, 0),
      byLanguage,
      bySpanKind,
      skippedFiles: input.stats.skipped,
      secretsScrubbed: input.stats.scrubbed,
      dedupRemoved: input.dedupRemoved,
      bulkCommitsSkipped: plan.mode === "time" ? plan.bulkCommits : 0,
      filesWithSyntaxErrors: input.filesWithSyntaxErrors,
      missingObjects: input.missingObjects,
    },
    warnings: input.warnings,
    timings: input.timings,
  };
}

/** Writes the rows' JSON lines in chunks of about a megabyte. */
async function writeJsonl(path: string, rows: readonly RecordRow[]): Promise<void> {
  const stream = createWriteStream(path);
  let chunk: string[] = [];
  let size = 0;
  const write = async () => {
    if (!stream.write(chunk.join(""))) await new Promise<void>((r) => stream.once("drain", () => r()));
    chunk = [];
    size = 0;
  };
  for (const row of rows) {
    chunk.push(row.json, "\n");
    size += row.json.length + 1;
    if (size >= 1 << 20) await write();
  }
  if (size > 0) await write();
  stream.end();
  await finished(stream);
}

function toRow(record: DatasetRecord): RecordRow {
  return {
    json: JSON.stringify(record),
    language: record.language,
    kind: record.span.kind,
    tokens: record.prompt.tokens,
    middle: record.middle,
  };
}

async function fileDigest(path: string): Promise<string> {
  try {
    return createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  } catch {
    return `unreadable ${path}`;
  }
}

async function writeDataset(
  out: string,
  train: readonly RecordRow[],
  evaluation: readonly RecordRow[],
  manifest: DatasetManifest,
  signal: AbortSignal | undefined,
): Promise<void> {
  const staged = await stageDir(out);
  try {
    await writeJsonl(join(staged.path, "train.jsonl"), train);
    await writeJsonl(join(staged.path, "eval.jsonl"), evaluation);
    await writeFile(join(staged.path, "dataset.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    throwIfCancelled(signal);
    await staged.commit();
  } finally {
    await staged.discard();
  }
}

async function loadTokenCounter(path: string): Promise<TokenCounter> {
  const { Tokenizer } = await import("@huggingface/tokenizers");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new RepoLoraError("BAD_ARGUMENT", `Cannot read tokenizer ${path}: ${(error as Error).message}`);
  }
  const configPath = join(path, "..", "tokenizer_config.json");
  let config: unknown = {};
  try {
    config = JSON.parse(readFileSync(configPath, "utf8"));
  } catch {
    config = {};
  }
  const tokenizer = new Tokenizer(json as never, config as never);
  return (text) => tokenizer.encode(text).ids.length;
}

function describe(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([reason, n]) => `${n} ${reason}`);
  return parts.length > 0 ? parts.join(", ") : "no files";
}
