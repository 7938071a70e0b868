/**
 * Stage 2 of `repolora train`: the dataset, built for the repository's head (or the folder given with --dataset),
 * and its manifest.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatasetManifest } from "../../../../runtime/src/contracts/dataset.ts";
import { DEFAULT_BUDGET } from "../../../../runtime/src/prompt/index.ts";
import { listOption } from "../../cli/args.ts";
import { buildDataset } from "../../dataset/build.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { defaultDatasetDir } from "../locations.ts";
import type { TrainContext } from "./context.ts";
import type { TrainInputs } from "./inputs.ts";

export interface TrainDataset {
  dir: string;
  manifest: DatasetManifest;
}

export async function buildOrReuseDataset(ctx: TrainContext, inputs: TrainInputs): Promise<TrainDataset> {
  ctx.emit({ event: "phase", name: "dataset" });
  const dir = ctx.flags.values.dataset
    ? existingDataset(ctx.flags.values.dataset)
    : await buildForHead(ctx, inputs);
  const manifest = DatasetManifest.parse(JSON.parse(readFileSync(join(dir, "dataset.json"), "utf8")));
  const { counts } = manifest;
  ctx.emit({ event: "dataset", dir, train: counts.train, eval: counts.eval, files: counts.files });
  if (counts.train === 0)
    throw new RepoLoraError(
      "BAD_DATASET",
      "The dataset has no training examples.",
      "Is there code older than the cutoff?",
    );
  ctx.log(`dataset: ${counts.train} train / ${counts.eval} eval examples in ${dir}`);
  return { dir, manifest };
}

function existingDataset(folder: string): string {
  const dir = resolve(folder);
  if (!existsSync(join(dir, "dataset.json")))
    throw new RepoLoraError(
      "BAD_DATASET",
      `${dir} has no dataset.json.`,
      "Build one with `repolora dataset`.",
    );
  return dir;
}

async function buildForHead(ctx: TrainContext, inputs: TrainInputs): Promise<string> {
  const { values } = ctx.flags;
  const dir = defaultDatasetDir(inputs.key, inputs.info.head);
  await buildDataset({
    repo: ctx.flags.repo,
    out: dir,
    force: true,
    ...(values.subdir !== undefined ? { subdir: values.subdir } : {}),
    ...(values.cutoff !== undefined ? { cutoff: values.cutoff } : {}),
    languages: listOption(values.languages),
    template: inputs.template,
    budget: { ...DEFAULT_BUDGET, maxTokens: inputs.maxTokens },
    sampling: { seed: inputs.seed },
    progress: ctx.progress,
    signal: ctx.signal,
  });
  return dir;
}
