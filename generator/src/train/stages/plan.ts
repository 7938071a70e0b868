/**
 * Stage 3 of `repolora train`: what the trainer trains on. A new adapter trains on the whole dataset; an --update
 * trains on the examples of files changed since the previous adapter's code plus a replay sample (or on nothing,
 * when no example changed), with the previous adapter's recipe and its length scaled to the subset.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { dataHome } from "../locations.ts";
import {
  changedPaths,
  isAncestor,
  type PreviousAdapter,
  scaledLength,
  type UpdateDataset,
  updateTrainerConfig,
  writeUpdateDataset,
} from "../update.ts";
import type { TrainContext } from "./context.ts";
import type { TrainDataset } from "./dataset.ts";
import type { TrainInputs } from "./inputs.ts";

export interface TrainLength {
  steps: number | null;
  budgetSeconds: number | null;
}

export interface NewAdapterPlan {
  kind: "new";
  datasetDir: string;
  /** --config, resolved. */
  configPath: string | undefined;
  length: TrainLength;
}

export interface UpdatePlan {
  kind: "update";
  previous: PreviousAdapter;
  /** The subset's folder (its update.json says how it was chosen). */
  datasetDir: string;
  /** The trainer config written for the update (the previous recipe, --config on top). */
  configPath: string;
  length: TrainLength;
}

export type TrainPlan = NewAdapterPlan | UpdatePlan;

/** Nothing changed since the previous adapter was trained: no training. */
export interface UpToDate {
  kind: "upToDate";
}

export async function planTraining(
  ctx: TrainContext,
  inputs: TrainInputs,
  dataset: TrainDataset,
): Promise<TrainPlan | UpToDate> {
  const configPath = ctx.flags.values.config ? resolve(ctx.flags.values.config) : undefined;
  if (!inputs.previous)
    return { kind: "new", datasetDir: dataset.dir, configPath, length: { steps: null, budgetSeconds: null } };
  const previous = inputs.previous;
  const subset = await writeChangedSubset(ctx, inputs, previous, dataset);
  if (subset.changedExamples === 0) {
    const to = dataset.manifest.cutoff.commit;
    ctx.emit({ event: "upToDate", adapter: previous.entry.id, since: previous.trainedCommit });
    ctx.print(
      `Nothing to update: no training example changed between ${previous.trainedCommit.slice(0, 8)} and ${to.slice(0, 8)}; ${previous.entry.id} stays active.`,
    );
    return { kind: "upToDate" };
  }
  ctx.log(
    `update: ${subset.changedExamples} examples from ${subset.changedFiles} files changed since ${previous.trainedCommit.slice(0, 8)} + ${subset.replayExamples} replayed (${Math.round(ctx.flags.replay * 100)}%) of ${subset.fullTrainExamples} → ${subset.trainExamples} in ${subset.dir}`,
  );
  return {
    kind: "update",
    previous,
    datasetDir: subset.dir,
    configPath: writeUpdateConfig(previous, configPath, subset.dir),
    length: scaledLength(previous, subset.trainExamples),
  };
}

/** The update's training subset, from the files changed between the previous adapter's code and the cutoff. */
async function writeChangedSubset(
  ctx: TrainContext,
  inputs: TrainInputs,
  previous: PreviousAdapter,
  dataset: TrainDataset,
): Promise<UpdateDataset> {
  const { info } = inputs;
  // The new training code is the dataset's cutoff snapshot (HEAD when split by file).
  const to = dataset.manifest.cutoff.commit;
  const changed = await changedPaths(info.root, previous.trainedCommit, to, info.subdir);
  if (!(await isAncestor(info.root, previous.trainedCommit, to)))
    ctx.log(
      `warning: ${previous.trainedCommit.slice(0, 8)} (the previous adapter's training code) is not an ancestor of ${to.slice(0, 8)}: it may have seen some of the held-out code, which favours it in the comparison.`,
    );
  const subset = await writeUpdateDataset({
    source: dataset.dir,
    out: join(dataHome(), "datasets", inputs.key, `${info.head.slice(0, 12)}-update-${previous.entry.name}`),
    changed,
    replay: ctx.flags.replay,
    seed: inputs.seed,
    previous,
    to,
  });
  ctx.emit({
    event: "update",
    previous: previous.entry.id,
    since: previous.trainedCommit,
    to,
    dir: subset.dir,
    changedFiles: subset.changedFiles,
    changedExamples: subset.changedExamples,
    replayExamples: subset.replayExamples,
    trainExamples: subset.trainExamples,
  });
  return subset;
}

/** Writes <subset>/update-config.json: the previous adapter's recipe with the user's --config on top. */
function writeUpdateConfig(
  previous: PreviousAdapter,
  userConfigPath: string | undefined,
  dir: string,
): string {
  const userConfig = userConfigPath
    ? (JSON.parse(readFileSync(userConfigPath, "utf8")) as Record<string, unknown>)
    : null;
  const path = join(dir, "update-config.json");
  writeFileSync(path, `${JSON.stringify(updateTrainerConfig(previous, userConfig), null, 2)}\n`);
  return path;
}
