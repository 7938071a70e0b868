import type { DatasetManifest } from "../../../../runtime/src/contracts/dataset.ts";
import { DEFAULT_BUDGET, isTemplateId, TEMPLATE_IDS } from "../../../../runtime/src/prompt/index.ts";
import { buildDataset } from "../../dataset/build.ts";
import {
  DEFAULT_DENSITY,
  DEFAULT_EVAL_DENSITY,
  DENSITY_LEVELS,
  parseDensity,
} from "../../dataset/density.ts";
import { DEFAULT_SAMPLING, parseSpanMix, type SpanMix } from "../../dataset/examples.ts";
import { FETCH_MISSING_ENV } from "../../mine/spawn.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { createProgress } from "../../util/progress.ts";
import { cancelOnSignals, LANGUAGE_IDS, listOption, numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `Usage: repolora dataset <repo> --out <dir> [options]

Builds a fill-in-the-middle dataset from a git repository: train.jsonl (code as it was at the cutoff),
eval.jsonl (code that entered the repo after it) and dataset.json (statistics).

Options:
  --out <dir>            Output folder (required). Refused if it exists, unless --force.
  --force                Replace an existing output folder (only once the new one is complete).
  --subdir <path>        Only this folder of a monorepo (default: the folder <repo> points at).
  --cutoff <date|commit> Evaluation code = lines added after this (default: newest ~10% of changed lines).
  --eval-share <0..1>    Share of lines for the default cutoff (default 0.1).
  --languages <a,b>      Only these languages (${LANGUAGE_IDS.join(",")}).
  --template <id>        Prompt format: ${TEMPLATE_IDS.join(", ")} (default qwen2.5-coder).
  --max-tokens <n>       Prompt budget in tokens (default ${DEFAULT_BUDGET.maxTokens}).
  --suffix-share <x>     Share of the prompt budget the code after the cursor may take, 0-0.5
                         (default ${DEFAULT_BUDGET.suffixShare}; serving's repolora.completion.suffixShare).
  --tokenizer <file>     tokenizer.json for exact token counts (default: estimated).
  --seed <n>             Sampling seed (default ${DEFAULT_SAMPLING.seed}).
  --span-mix <k=w,...>   Weights of span kinds, e.g. rest_of_line=3,statement=2,block=1.
  --density <n|level>    FIM examples per 100 lines of each file, or ${Object.keys(DENSITY_LEVELS).join(", ")}
                         (${Object.entries(DENSITY_LEVELS)
                           .map(([k, v]) => `${k} ${Number.isFinite(v) ? v : "every span"}`)
                           .join(", ")}; default ${DEFAULT_DENSITY}).
  --max-examples <n>     At most n training examples: every file's count is scaled down alike (seeded).
  --eval-density <n|l>   The same for evaluation examples, per 100 new lines (default ${DEFAULT_EVAL_DENSITY};
                         not cut by --max-examples).
  --no-cache             Do not read or write the parse cache.
  --fetch-missing        In a partial clone, let git fetch the objects it lacks from its remote (default:
                         skip and count them; same as REPOLORA_FETCH_MISSING=1).
  --retrieval            Add BM25-retrieved code windows to each prompt's context, after the definitions
                         (--no-retrieval: off, the default; \`repolora bench\` measures both).
  --json                 Print dataset.json to stdout instead of the summary.

Example:
  repolora dataset . --out /tmp/my-repo-dataset`;

export const datasetCommand: Command = {
  name: "dataset",
  summary: "Build a FIM training set and a time-split evaluation set from a git repository",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      out: { type: "string" },
      force: { type: "boolean" },
      subdir: { type: "string" },
      cutoff: { type: "string" },
      "eval-share": { type: "string" },
      languages: { type: "string" },
      template: { type: "string" },
      "max-tokens": { type: "string" },
      "suffix-share": { type: "string" },
      tokenizer: { type: "string" },
      seed: { type: "string" },
      "span-mix": { type: "string" },
      density: { type: "string" },
      "eval-density": { type: "string" },
      "max-examples": { type: "string" },
      "no-cache": { type: "boolean" },
      "fetch-missing": { type: "boolean" },
      retrieval: { type: "boolean" },
      "no-retrieval": { type: "boolean" },
      json: { type: "boolean" },
    });
    const repo = positionals[0];
    if (!repo || positionals.length > 1)
      throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one repository path.", HELP.split("\n")[0]);
    if (!values.out)
      throw new RepoLoraError("BAD_ARGUMENT", "--out <dir> is required.", "e.g. --out /tmp/dataset");
    const template = values.template ?? "qwen2.5-coder";
    if (!isTemplateId(template)) {
      throw new RepoLoraError(
        "BAD_ARGUMENT",
        `Unknown --template '${template}'.`,
        `Use one of ${TEMPLATE_IDS.join(", ")}.`,
      );
    }
    let spanMix = DEFAULT_SAMPLING.spanMix;
    if (values["span-mix"]) {
      try {
        spanMix = parseSpanMix(values["span-mix"]);
      } catch (error) {
        throw new RepoLoraError("BAD_ARGUMENT", (error as Error).message);
      }
    }
    const sampling = samplingOption(values.seed, spanMix, values);
    const maxExamples =
      values["max-examples"] === undefined
        ? null
        : Math.floor(numberOption("max-examples", values["max-examples"], 0, 1));
    const suffixShare = numberOption("suffix-share", values["suffix-share"], DEFAULT_BUDGET.suffixShare, 0);
    if (suffixShare > 0.5)
      throw new RepoLoraError("BAD_ARGUMENT", "--suffix-share must be between 0 and 0.5.");
    const evalShare = numberOption("eval-share", values["eval-share"], 0.1);
    if (evalShare <= 0 || evalShare >= 1)
      throw new RepoLoraError("BAD_ARGUMENT", "--eval-share must be between 0 and 1.");
    // The miners' git processes read it (mine/spawn.ts).
    if (values["fetch-missing"]) process.env[FETCH_MISSING_ENV] = "1";
    const cancel = cancelOnSignals();
    const progress = createProgress();
    try {
      const { manifest, out } = await buildDataset({
        repo,
        out: values.out,
        force: values.force ?? false,
        ...(values.subdir !== undefined ? { subdir: values.subdir } : {}),
        ...(values.cutoff !== undefined ? { cutoff: values.cutoff } : {}),
        evalShare,
        languages: listOption(values.languages),
        template,
        budget: {
          ...DEFAULT_BUDGET,
          maxTokens: numberOption("max-tokens", values["max-tokens"], DEFAULT_BUDGET.maxTokens, 64),
          suffixShare,
        },
        ...(values.tokenizer !== undefined ? { tokenizer: values.tokenizer } : {}),
        sampling,
        maxExamples,
        ...(values["no-cache"] ? { cacheDir: null } : {}),
        retrieval: (values.retrieval ?? false) && !values["no-retrieval"],
        progress,
        signal: cancel.signal,
      });
      progress.done();
      if (values.json) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
      else process.stdout.write(`${formatSummary(manifest, out)}\n`);
      return 0;
    } finally {
      progress.done();
      cancel.dispose();
    }
  },
};

function samplingOption(seed: string | undefined, spanMix: SpanMix, values: Record<string, unknown>) {
  return {
    seed: numberOption("seed", seed, DEFAULT_SAMPLING.seed),
    spanMix,
    density: densityOption("density", values.density, DEFAULT_SAMPLING.density),
    evalDensity: densityOption("eval-density", values["eval-density"], DEFAULT_SAMPLING.evalDensity),
  };
}

function densityOption(name: string, value: unknown, fallback: number): number {
  if (typeof value !== "string") return fallback;
  try {
    return parseDensity(value);
  } catch (error) {
    throw new RepoLoraError("BAD_ARGUMENT", `--${name}: ${(error as Error).message}`);
  }
}

export function formatSummary(manifest: DatasetManifest, out: string): string {
  const c = manifest.counts;
  const rows = Object.entries(c.byLanguage)
    .sort((a, b) => b[1].files - a[1].files)
    .map(
      ([language, n]) =>
        `  ${language.padEnd(12)} ${String(n.files).padStart(6)} ${String(n.train).padStart(8)} ${String(n.eval).padStart(6)}`,
    );
  const kinds = Object.entries(c.bySpanKind).map(([kind, n]) => `${kind} ${n.train}/${n.eval}`);
  const skipped = Object.entries(c.skippedFiles).map(([reason, n]) => `${reason} ${n}`);
  const scrubbed = Object.entries(c.secretsScrubbed).map(([kind, n]) => `${kind} ${n}`);
  return [
    `Dataset written to ${out}`,
    `  repo      ${manifest.repo.root}${manifest.repo.subdir ? `/${manifest.repo.subdir}` : ""} @ ${manifest.repo.head.slice(0, 10)}${manifest.repo.remote ? ` (remote ${manifest.repo.remote})` : ""}`,
    `  cutoff    ${manifest.cutoff.commit.slice(0, 10)} ${manifest.cutoff.time.slice(0, 10)} (${manifest.cutoff.source}; ${(manifest.cutoff.evalLineShare * 100).toFixed(1)}% of lines are newer)`,
    `  files     ${c.files} kept, ${c.lines} lines; syntax errors in ${c.filesWithSyntaxErrors}`,
    `  examples  ${c.train} train (${c.trainTokens} tokens), ${c.eval} eval (${c.evalTokens} tokens)${manifest.tokenizer ? "" : ", token counts estimated"}`,
    `  dedup     ${c.dedupRemoved} training examples dropped as near-duplicates of evaluation code`,
    `  spans     ${kinds.join(", ")} (train/eval)`,
    ...densityLine(manifest),
    `  skipped   ${skipped.join(", ") || "none"}`,
    `  secrets   ${scrubbed.join(", ") || "none found"} scrubbed`,
    "",
    "  language      files    train   eval",
    ...rows,
    ...manifest.warnings.map((w) => `warning: ${w}`),
    `  time      ${manifest.timings.total?.toFixed(2)}s`,
  ].join("\n");
}

function densityLine(manifest: DatasetManifest): string[] {
  const d = manifest.density;
  if (!d) return [];
  const per = d.examplesPer100Lines === null ? "every span" : `${d.examplesPer100Lines}/100 lines`;
  const budget = d.maxExamples === null ? "" : `; budget ${d.maxExamples} (${d.budgetDropped} dropped)`;
  return [
    `  density   ${d.level} (${per}): per file mean ${d.perFile.train.mean}, median ${d.perFile.train.median}, max ${d.perFile.train.max} train${budget}`,
  ];
}
