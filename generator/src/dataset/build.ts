/**
 * repo → dataset, as a list of named stages sharing one context (stages/context.ts: the repository, the
 * caches, warnings and timings): read HEAD's files (read and scrubbed), plan the evaluation split (cutoff and
 * new lines), read the training files at the cutoff, parse (cached by blob), make examples (spans drawn by
 * the density, prompts rendered with the shared prompt builder, near-duplicates of evaluation code dropped),
 * and write train.jsonl / eval.jsonl / dataset.json atomically.
 */
import type { DatasetManifest } from "../../../runtime/src/contracts/dataset.ts";
import { type BuildOptions, finishTimings, openBuild, timed } from "./stages/context.ts";
import { makeExamples } from "./stages/make-examples.ts";
import { makeManifest } from "./stages/manifest.ts";
import { parseFiles } from "./stages/parse-files.ts";
import { planEvaluation } from "./stages/plan-evaluation.ts";
import { readHead } from "./stages/read-head.ts";
import { splitFiles } from "./stages/split-files.ts";
import { writeDataset } from "./stages/write-dataset.ts";

export type { BuildOptions } from "./stages/context.ts";
export { GENERATOR_VERSION } from "./version.ts";

export interface BuildResult {
  manifest: DatasetManifest;
  out: string;
}

export async function buildDataset(options: BuildOptions): Promise<BuildResult> {
  const context = await openBuild(options);
  try {
    const head = await timed(context, "readHead", () => readHead(context));
    const plan = await timed(context, "history", () => planEvaluation(context, head));
    const split = await timed(context, "readCutoff", () => splitFiles(context, head, plan));
    const parsed = await timed(context, "parse", () => parseFiles(context, head, split));
    const examples = await timed(context, "examples", () => makeExamples(context, head, plan, split, parsed));
    const manifest = makeManifest(context, head, plan, parsed, examples);
    finishTimings(context);
    await writeDataset(context.out, examples.trainRows, examples.evalRows, manifest, context.signal);
    return { manifest, out: context.out };
  } finally {
    context.reader.close();
  }
}
