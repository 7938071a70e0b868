/**
 * What the stages of a dataset build share: the options as resolved, the repository, the object store and
 * blob reader, the four caches, the warnings and the timings. buildDataset (build.ts) opens one and closes it.
 */
import { resolve } from "node:path";
import {
  DEFAULT_BUDGET,
  estimateTokens,
  type PromptBudget,
  type TemplateId,
  type TokenCounter,
} from "../../../../runtime/src/prompt/index.ts";
import { BlobReader } from "../../mine/blobs.ts";
import { CommitCache } from "../../mine/commit-cache.ts";
import { ObjectStore } from "../../mine/objects.ts";
import { openRepo, type RepoInfo } from "../../mine/repo.ts";
import { assertWritableTarget } from "../../util/atomic.ts";
import type { Progress } from "../../util/progress.ts";
import { defaultCacheDir, markCacheUsed } from "../cache-dir.ts";
import { DEFAULT_SAMPLING, type SamplingOptions } from "../examples.ts";
import { ParseCache } from "../parse-cache.ts";
import { RecordCache } from "../record-cache.ts";
import { ScrubCache } from "../scrub-cache.ts";
import { loadTokenCounter } from "./tokenizer.ts";

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
  /** At most this many training examples (density.ts allocateBudget); default no limit. */
  maxExamples?: number | null;
  /** A tokenizer.json for exact token counts; otherwise counts are estimated. */
  tokenizer?: string;
  /** null disables the on-disk caches. */
  cacheDir?: string | null;
  /** Append BM25-retrieved snippets (runtime/src/prompt/retrieval.ts) after the definitions. Default off. */
  retrieval?: boolean;
  maxFileBytes?: number;
  progress: Progress;
  signal?: AbortSignal;
}

export interface BuildCaches {
  dir: string | null;
  /** The shared default location (capped after the build), not a folder the caller chose. */
  isDefault: boolean;
  parse: ParseCache;
  scrub: ScrubCache | null;
  commits: CommitCache | null;
  records: RecordCache | null;
}

export interface BuildContext {
  options: BuildOptions;
  out: string;
  progress: Progress;
  signal: AbortSignal | undefined;
  sampling: SamplingOptions;
  budget: PromptBudget;
  template: TemplateId;
  countTokens: TokenCounter;
  info: RepoInfo;
  store: ObjectStore;
  reader: BlobReader;
  caches: BuildCaches;
  warnings: string[];
  timings: Record<string, number>;
  started: number;
}

/** Checks the target, resolves the options, opens the repository, its object store and the caches. */
export async function openBuild(options: BuildOptions): Promise<BuildContext> {
  const started = Date.now();
  const out = resolve(options.out);
  assertWritableTarget(out, options.force ?? false);
  const countTokens = options.tokenizer ? await loadTokenCounter(options.tokenizer) : estimateTokens;
  const { info } = await openRepo(options.repo, options.subdir);
  const warnings: string[] = [];
  if (info.shallow) {
    warnings.push(
      "This is a shallow clone: history is cut short, so the time split sees fewer commits and may degrade.",
    );
  }
  const store = await ObjectStore.open(info.root);
  const caches = await openCaches(options.cacheDir, info.root);
  return {
    options,
    out,
    progress: options.progress,
    signal: options.signal,
    sampling: { ...DEFAULT_SAMPLING, ...options.sampling },
    budget: options.budget ?? DEFAULT_BUDGET,
    template: options.template ?? "qwen2.5-coder",
    countTokens,
    info,
    store,
    reader: new BlobReader(info.root),
    caches,
    warnings,
    timings: { open: (Date.now() - started) / 1000 },
    started,
  };
}

async function openCaches(cacheDir: string | null | undefined, root: string): Promise<BuildCaches> {
  const isDefault = cacheDir === undefined;
  const dir = isDefault ? defaultCacheDir(root) : (cacheDir ?? null);
  if (isDefault && dir) await markCacheUsed(dir, root).catch(() => {});
  return {
    dir,
    isDefault,
    parse: ParseCache.open(dir),
    scrub: ScrubCache.open(dir),
    commits: CommitCache.open(dir),
    records: RecordCache.open(dir),
  };
}

/** Runs one stage and records its wall time under `name` in the manifest's timings. */
export async function timed<T>(context: BuildContext, name: string, stage: () => Promise<T> | T): Promise<T> {
  const since = Date.now();
  const result = await stage();
  context.timings[name] = (Date.now() - since) / 1000;
  return result;
}

/** The caches' hit counts and the total time, added to the timings at the end of a build. */
export function finishTimings(context: BuildContext): void {
  const { caches, timings } = context;
  timings.total = (Date.now() - context.started) / 1000;
  timings.parseCacheHits = caches.parse.hits;
  timings.parseCacheMisses = caches.parse.misses;
  timings.commitCacheHits = caches.commits?.hits ?? 0;
  timings.commitCacheMisses = caches.commits?.misses ?? 0;
  timings.recordCacheHits = caches.records?.hits ?? 0;
}
