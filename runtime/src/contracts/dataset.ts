/**
 * The dataset contract: one JSON line per example in train.jsonl / eval.jsonl, plus dataset.json.
 * Single source of truth: the generator writes it, the Python trainer validates every record it reads against
 * docs/contracts/dataset-record.schema.json (exported from this file by `npm run schema`; a test keeps the two equal).
 */
import { z } from "zod";

export const DATASET_SCHEMA_VERSION = 1;

export const SPAN_KINDS = ["rest_of_line", "statement", "block", "call_args", "expression", "lines"] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export const ContextSnippet = z.object({
  /** Repo-relative path of the file the snippet comes from. */
  path: z.string(),
  text: z.string(),
  /** Why it was chosen: imported by the file, defines a name used near the span, or retrieved by similarity. */
  reason: z.enum(["import", "definition", "retrieval"]),
});
export type ContextSnippet = z.infer<typeof ContextSnippet>;

export const DatasetRecord = z.object({
  schema: z.literal(DATASET_SCHEMA_VERSION),
  /** Stable id: hash of path, commit and span; equal inputs give equal ids. */
  id: z.string().regex(/^[0-9a-f]{16}$/),
  /** Remote URL, or the repository folder's name when there is no remote. */
  repo: z.string(),
  /** Repo-relative POSIX path. */
  path: z.string().min(1),
  language: z.string(),
  /** Commit whose version of the file the example was cut from (the cutoff for train, HEAD for eval). */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  split: z.enum(["train", "eval"]),
  /** Code before the middle, already trimmed to the prompt budget. */
  prefix: z.string(),
  /** What the model must produce. Never empty. */
  middle: z.string().min(1),
  /** Code after the middle, already trimmed to the prompt budget. */
  suffix: z.string(),
  context: z.array(ContextSnippet),
  span: z.object({
    kind: z.enum(SPAN_KINDS),
    /** UTF-8 byte offsets of the middle in the whole file at `commit`. */
    startByte: z.number().int().nonnegative(),
    endByte: z.number().int().nonnegative(),
    /** 0-based line of the middle's first character. */
    startLine: z.number().int().nonnegative(),
  }),
  /** The prompt rendered by runtime/src/prompt for one model family; the trainer never rebuilds it. */
  prompt: z.object({
    template: z.string().min(1),
    text: z.string().min(1),
    /** Appended to `middle` as the training target's end; also the runtime's stop token. */
    completionEnd: z.string(),
    /** Token count of `text` (estimated unless a tokenizer was given; see dataset.json). */
    tokens: z.number().int().nonnegative(),
  }),
});
export type DatasetRecord = z.infer<typeof DatasetRecord>;

const Counts = z.record(z.string(), z.number().int().nonnegative());

const PerFileStats = z.object({
  /** Files with at least one example. */
  files: z.number().int(),
  mean: z.number(),
  median: z.number().int(),
  p90: z.number().int(),
  max: z.number().int(),
});

/** How many examples each file gave (generator/src/dataset/density.ts) and what that came to. */
export const DatasetDensity = z.object({
  /** sparse | medium | dense | all, or custom for a number. */
  level: z.string(),
  /** Training examples a file asks for per 100 of its lines; null = every eligible span (`all`). */
  examplesPer100Lines: z.number().positive().nullable(),
  /** The same for evaluation, per 100 lines added after the cutoff (--eval-density). */
  evalLevel: z.string(),
  evalExamplesPer100Lines: z.number().positive().nullable(),
  /** A file's lines past this many add no examples (at `all`: its spans are taken pro rata). */
  linesCountedPerFile: z.number().int(),
  /** --max-examples: the training examples' budget; null = none. Evaluation is never cut by it. */
  maxExamples: z.number().int().positive().nullable(),
  /** Training examples the budget took out. */
  budgetDropped: z.number().int().nonnegative(),
  /** Examples drawn per file with at least one (before dedup), per split. */
  perFile: z.object({ train: PerFileStats, eval: PerFileStats }),
});

export const DatasetManifest = z.object({
  schema: z.literal(DATASET_SCHEMA_VERSION),
  createdAt: z.string(),
  generator: z.object({ version: z.string() }),
  repo: z.object({
    root: z.string(),
    subdir: z.string(),
    remote: z.string().nullable(),
    head: z.string(),
    headTime: z.string(),
    branch: z.string().nullable(),
    shallow: z.boolean(),
  }),
  cutoff: z.object({
    commit: z.string(),
    time: z.string(),
    /** How it was chosen: default share of newest lines, a date or commit given by the user, or (history too short) a seeded file holdout. */
    source: z.enum(["default", "date", "commit", "file_holdout"]),
    evalLineShare: z.number(),
  }),
  options: z.object({
    seed: z.number().int(),
    template: z.string(),
    maxPromptTokens: z.number().int(),
    /** Share of the prompt budget the suffix may take; absent in datasets made before it was an option (0.2). */
    suffixShare: z.number().optional(),
    languages: z.array(z.string()).nullable(),
    spanMix: z.record(z.string(), z.number()),
  }),
  /** Absent in datasets made before the density option (and in mixed org datasets). */
  density: DatasetDensity.optional(),
  tokenizer: z.string().nullable(),
  counts: z.object({
    files: z.number().int(),
    lines: z.number().int(),
    train: z.number().int(),
    eval: z.number().int(),
    trainTokens: z.number().int(),
    evalTokens: z.number().int(),
    byLanguage: z.record(
      z.string(),
      z.object({ files: z.number().int(), train: z.number().int(), eval: z.number().int() }),
    ),
    bySpanKind: z.record(z.string(), z.object({ train: z.number().int(), eval: z.number().int() })),
    skippedFiles: Counts,
    secretsScrubbed: Counts,
    dedupRemoved: z.number().int(),
    bulkCommitsSkipped: z.number().int(),
    /** Git objects the history references that are not in the local store; what they touch was skipped. */
    missingObjects: z.number().int().optional(),
    filesWithSyntaxErrors: z.number().int(),
  }),
  warnings: z.array(z.string()),
  timings: z.record(z.string(), z.number()),
});
export type DatasetManifest = z.infer<typeof DatasetManifest>;
