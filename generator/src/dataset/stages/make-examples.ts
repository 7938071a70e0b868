/**
 * Stage 5: the records of both splits. Evaluation first (HEAD's code and symbol index), then training (the
 * cutoff's), its draws cut to the --max-examples budget, and its middles that near-duplicate an evaluation
 * middle dropped. Retrieval, like the symbol index, sees HEAD for evaluation and the cutoff for training.
 */
import {
  buildRetrievalIndex,
  type RetrievalIndex,
  retrievalOptionsForBudget,
} from "../../../../runtime/src/prompt/index.ts";
import { scrubRulesFingerprint } from "../../secrets/index.ts";
import { buildCacheRoot, cacheMaxBytes, enforceCacheCap } from "../cache-dir.ts";
import { NearDuplicateIndex } from "../dedup.ts";
import { allocateBudget } from "../density.ts";
import { PARSE_CACHE_VERSION } from "../parse-cache.ts";
import { codeFingerprint, type RecordRow, recordKey } from "../record-cache.ts";
import type { SnapshotFile } from "../snapshot.ts";
import { buildSymbolIndex } from "../symbols.ts";
import { GENERATOR_VERSION } from "../version.ts";
import type { BuildContext } from "./context.ts";
import type { RecordContext } from "./make-record.ts";
import type { ParsedFiles } from "./parse-files.ts";
import type { EvalPlan } from "./plan-evaluation.ts";
import type { HeadSnapshot } from "./read-head.ts";
import type { SplitFiles } from "./split-files.ts";
import { buildRows, drawSpans, type FileDraw, type RowsEnvironment } from "./split-rows.ts";
import { fileDigest } from "./tokenizer.ts";

export interface Examples {
  trainRows: RecordRow[];
  evalRows: RecordRow[];
  dedupRemoved: number;
  /** Training examples the budget (--max-examples) took out. */
  budgetDropped: number;
  /** Examples drawn per file (before dedup), per split. */
  perFile: { train: number[]; eval: number[] };
}

export async function makeExamples(
  context: BuildContext,
  head: HeadSnapshot,
  plan: EvalPlan,
  split: SplitFiles,
  parsed: ParsedFiles,
): Promise<Examples> {
  const env = await rowsEnvironment(context, parsed);
  context.progress.phase("building examples", split.evalFiles.length + split.trainFiles.length);
  const evalIndex = buildSymbolIndex(head.files.map(parsed.withParse));
  const evalRetrieval = retrievalIndex(context, head.files);
  const evalJob = {
    split: "eval" as const,
    commit: context.info.head,
    files: split.evalFiles,
    index: evalIndex,
    retrieval: evalRetrieval,
    onlyLines: plan.mode === "time" ? (path: string) => plan.lines.get(path) ?? [] : null,
  };
  const evaluation = await buildRows(evalJob, drawSpans(evalJob, env), env);
  const timeSplit = plan.mode === "time";
  const trainJob = {
    split: "train" as const,
    commit: split.trainCommit,
    files: split.trainFiles,
    index: timeSplit ? buildSymbolIndex(split.trainFiles.map(parsed.withParse)) : evalIndex,
    retrieval: timeSplit ? retrievalIndex(context, split.trainFiles) : evalRetrieval,
    onlyLines: null,
  };
  const budgeted = withinBudget(
    drawSpans(trainJob, env),
    context.options.maxExamples ?? null,
    context.sampling.seed,
  );
  const train = await buildRows(trainJob, budgeted.draws, env);
  // Dedup after making (and caching) training records: which duplicate evaluation ones depends on HEAD.
  const dedup = new NearDuplicateIndex();
  for (const row of evaluation.rows) dedup.add(row.middle);
  const trainRows = train.rows.filter((row) => !dedup.matches(row.middle));
  await finishRecordCache(context);
  context.progress.done();
  return {
    trainRows,
    evalRows: evaluation.rows,
    dedupRemoved: train.rows.length - trainRows.length,
    budgetDropped: budgeted.dropped,
    perFile: { train: train.perFile, eval: evaluation.perFile },
  };
}

/**
 * With a budget, each file keeps the first `count` of its draws, the counts scaled to fit `max` (density.ts);
 * without one nothing is drawn here (a file whose records are cached is never drawn at all).
 */
export function withinBudget(
  draws: readonly FileDraw[],
  max: number | null,
  seed: number,
): { draws: FileDraw[]; dropped: number } {
  if (max === null) return { draws: [...draws], dropped: 0 };
  const wanted = draws.map((d) => d.spans().length);
  const counts = allocateBudget(
    wanted,
    draws.map((d) => d.file.path),
    max,
    seed,
  );
  const dropped = wanted.reduce((total, n, i) => total + n - counts[i]!, 0);
  return { draws: draws.map((d, i) => (counts[i] === wanted[i] ? d : { ...d, limit: counts[i]! })), dropped };
}

function retrievalIndex(context: BuildContext, files: readonly SnapshotFile[]): RetrievalIndex | undefined {
  return context.options.retrieval
    ? buildRetrievalIndex(files, retrievalOptionsForBudget(context.budget))
    : undefined;
}

/** What making records needs; the record cache's base key digests every input that is not per file. */
async function rowsEnvironment(context: BuildContext, parsed: ParsedFiles): Promise<RowsEnvironment> {
  const { info, options, budget, sampling } = context;
  const recordContext: RecordContext = {
    repo: info.remote ?? info.name,
    repoName: info.name,
    template: context.template,
    budget,
    countTokens: context.countTokens,
  };
  const cache = context.caches.records;
  const baseKey = cache
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
  return {
    context: recordContext,
    sampling,
    cache,
    baseKey,
    withParse: parsed.withParse,
    signal: context.signal,
    progress: context.progress,
  };
}

/** Drops unused record entries; only the shared default location is capped (a chosen folder is theirs). */
async function finishRecordCache(context: BuildContext): Promise<void> {
  const { caches } = context;
  await caches.records?.prune();
  if (caches.isDefault && caches.dir)
    await enforceCacheCap(buildCacheRoot(), cacheMaxBytes(), caches.dir).catch(() => []);
}
