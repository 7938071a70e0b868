/** dataset.json: where the data came from, the options, the density and counts, warnings and timings. */

import { DATASET_SCHEMA_VERSION, type DatasetManifest } from "../../../../runtime/src/contracts/dataset.ts";
import { DEFAULT_BUDGET } from "../../../../runtime/src/prompt/index.ts";
import { densityLevel, LINES_COUNTED_PER_FILE, perFileStats } from "../density.ts";
import { GENERATOR_VERSION } from "../version.ts";
import type { BuildContext } from "./context.ts";
import type { Examples } from "./make-examples.ts";
import type { ParsedFiles } from "./parse-files.ts";
import type { EvalPlan } from "./plan-evaluation.ts";
import type { HeadSnapshot } from "./read-head.ts";

export function makeManifest(
  context: BuildContext,
  head: HeadSnapshot,
  plan: EvalPlan,
  parsed: ParsedFiles,
  examples: Examples,
): DatasetManifest {
  const { info, options, sampling } = context;
  const missingWarning = context.store.warning();
  if (missingWarning) context.warnings.push(missingWarning);
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
    cutoff: cutoffSection(context, plan, head.totalLines),
    options: {
      seed: sampling.seed,
      template: context.template,
      maxPromptTokens: (options.budget ?? DEFAULT_BUDGET).maxTokens,
      suffixShare: (options.budget ?? DEFAULT_BUDGET).suffixShare,
      languages: options.languages ?? null,
      spanMix: sampling.spanMix,
    },
    density: densitySection(context, examples),
    tokenizer: options.tokenizer ?? null,
    counts: countsSection(context, head, plan, parsed, examples),
    warnings: context.warnings,
    timings: context.timings,
  };
}

function cutoffSection(context: BuildContext, plan: EvalPlan, totalLines: number): DatasetManifest["cutoff"] {
  const { info } = context;
  if (plan.mode === "files")
    return { commit: info.head, time: info.headTime.toISOString(), source: "file_holdout", evalLineShare: 0 };
  const evalLines = [...plan.lines.values()].flat().reduce((s, r) => s + r.end - r.start, 0);
  return {
    commit: plan.cutoff.commit,
    time: plan.cutoff.time.toISOString(),
    source: plan.cutoff.source,
    evalLineShare: totalLines > 0 ? evalLines / totalLines : 0,
  };
}

/** The density settings and what they gave: examples per file (drawn, before dedup) per split. */
export function densitySection(
  context: BuildContext,
  examples: Pick<Examples, "budgetDropped" | "perFile">,
): NonNullable<DatasetManifest["density"]> {
  const { density, evalDensity } = context.sampling;
  return {
    level: densityLevel(density),
    examplesPer100Lines: Number.isFinite(density) ? density : null,
    evalLevel: densityLevel(evalDensity),
    evalExamplesPer100Lines: Number.isFinite(evalDensity) ? evalDensity : null,
    linesCountedPerFile: LINES_COUNTED_PER_FILE,
    maxExamples: context.options.maxExamples ?? null,
    budgetDropped: examples.budgetDropped,
    perFile: { train: perFileStats(examples.perFile.train), eval: perFileStats(examples.perFile.eval) },
  };
}

function countsSection(
  context: BuildContext,
  head: HeadSnapshot,
  plan: EvalPlan,
  parsed: ParsedFiles,
  examples: Examples,
): DatasetManifest["counts"] {
  const { trainRows, evalRows } = examples;
  const byLanguage: DatasetManifest["counts"]["byLanguage"] = {};
  for (const file of head.files) {
    byLanguage[file.language] ??= { files: 0, train: 0, eval: 0 };
    byLanguage[file.language]!.files += 1;
  }
  const bySpanKind: DatasetManifest["counts"]["bySpanKind"] = {};
  for (const [split, rows] of [
    ["train", trainRows],
    ["eval", evalRows],
  ] as const) {
    for (const row of rows) {
      byLanguage[row.language] ??= { files: 0, train: 0, eval: 0 };
      byLanguage[row.language]![split] += 1;
      bySpanKind[row.kind] ??= { train: 0, eval: 0 };
      bySpanKind[row.kind]![split] += 1;
    }
  }
  return {
    files: head.files.length,
    lines: head.totalLines,
    train: trainRows.length,
    eval: evalRows.length,
    trainTokens: trainRows.reduce((s, r) => s + r.tokens, 0),
    evalTokens: evalRows.reduce((s, r) => s + r.tokens, 0),
    byLanguage,
    bySpanKind,
    skippedFiles: head.stats.skipped,
    secretsScrubbed: head.stats.scrubbed,
    dedupRemoved: examples.dedupRemoved,
    bulkCommitsSkipped: plan.mode === "time" ? plan.bulkCommits : 0,
    filesWithSyntaxErrors: parsed.filesWithSyntaxErrors,
    missingObjects: context.store.missing.size,
  };
}
