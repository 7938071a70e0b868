import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildDataset } from "../../dataset/build.ts";
import { DatasetManifest } from "../../dataset/record.ts";
import { openRepo } from "../../mine/repo.ts";
import { AdapterRegistry } from "../../registry/registry.ts";
import { DEFAULT_BASE_MODEL, templateForBaseModel } from "../../train/base-model.ts";
import type { TrainerEvent, TrainRunEvent } from "../../train/events.ts";
import { dataHome, defaultAdapterDir, defaultDatasetDir, repoKey } from "../../train/locations.ts";
import { checkTrainerEnv } from "../../train/python-env.ts";
import { runTrainer } from "../../train/run-trainer.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { cancelOnSignals, listOption, numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { parseDuration } from "../duration.ts";
import { createProgress, type Progress, silentProgress } from "../progress.ts";

const HELP = `Usage: repolora train <repo> [options]

Builds the repository's dataset, trains a LoRA adapter on it (QLoRA on a CUDA GPU, LoRA on CPU) and prints
its report card: base model vs adapter on code that entered the repo after the cutoff.

Options:
  --base <model>        Hugging Face id (local hub cache), model folder, or .gguf file (default ${DEFAULT_BASE_MODEL})
  --out <dir>           Adapter folder (default: <adapters dir>/<repo>/<time>-<commit>)
  --adapters-dir <dir>  Where adapters live (default: ${join(dataHome(), "adapters")})
  --dataset <dir>       Use an existing dataset folder instead of building one
  --budget <time>       Training time budget, e.g. 10m (default: no budget; steps from --steps or one epoch)
  --steps <n>           Optimizer steps (default: one epoch)
  --rank <n>            LoRA rank (default 16)
  --layers <all|n>      LoRA on all layers or only the last n
  --max-tokens <n>      Prompt budget and sequence cap in tokens (default 1024)
  --config <file>       Trainer JSON config; the flags above override it
  --no-eval             Skip the report card
  --cutoff, --subdir, --languages, --seed   As for \`repolora dataset\`
  --json                JSON lines on stdout (phase, dataset, step, eval, done, error) for tools

Example:
  repolora train . --base ./models/tiny --steps 20`;

export const trainCommand: Command = {
  name: "train",
  summary: "Build the dataset, train a LoRA adapter for the repository and print its report card",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      base: { type: "string" },
      out: { type: "string" },
      "adapters-dir": { type: "string" },
      dataset: { type: "string" },
      budget: { type: "string" },
      steps: { type: "string" },
      rank: { type: "string" },
      layers: { type: "string" },
      "max-tokens": { type: "string" },
      config: { type: "string" },
      "no-eval": { type: "boolean" },
      cutoff: { type: "string" },
      subdir: { type: "string" },
      languages: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
    });
    const repo = positionals[0];
    if (!repo || positionals.length > 1)
      throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one repository path.");
    const json = values.json ?? false;
    const emit = (event: TrainRunEvent) => {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    };
    const progress: Progress = json ? silentProgress : createProgress();
    const base = values.base ?? DEFAULT_BASE_MODEL;
    const maxTokens = numberOption("max-tokens", values["max-tokens"], 1024, 64);
    const cancel = cancelOnSignals();
    try {
      const env = await checkTrainerEnv();
      if (!json)
        progress.log(
          `trainer: torch ${env.versions.torch}, ${env.cuda ? "CUDA found: QLoRA" : "no CUDA: LoRA on CPU"}`,
        );
      const { info } = await openRepo(repo, values.subdir);
      const key = repoKey(info.name, info.remote ?? info.root);

      emit({ event: "phase", name: "dataset" });
      let datasetDir: string;
      if (values.dataset) {
        datasetDir = resolve(values.dataset);
        if (!existsSync(join(datasetDir, "dataset.json"))) {
          throw new RepoLoraError(
            "BAD_DATASET",
            `${datasetDir} has no dataset.json.`,
            "Build one with `repolora dataset`.",
          );
        }
      } else {
        datasetDir = defaultDatasetDir(key, info.head);
        await buildDataset({
          repo,
          out: datasetDir,
          force: true,
          ...(values.subdir !== undefined ? { subdir: values.subdir } : {}),
          ...(values.cutoff !== undefined ? { cutoff: values.cutoff } : {}),
          languages: listOption(values.languages),
          template: templateForBaseModel(base),
          budget: { maxTokens, suffixShare: 0.2, contextShare: 0.3 },
          sampling: { seed: numberOption("seed", values.seed, 1) },
          progress,
          signal: cancel.signal,
        });
      }
      const manifest = DatasetManifest.parse(
        JSON.parse(readFileSync(join(datasetDir, "dataset.json"), "utf8")),
      );
      emit({
        event: "dataset",
        dir: datasetDir,
        train: manifest.counts.train,
        eval: manifest.counts.eval,
        files: manifest.counts.files,
      });
      if (manifest.counts.train === 0) {
        throw new RepoLoraError(
          "BAD_DATASET",
          "The dataset has no training examples.",
          "Is there code older than the cutoff?",
        );
      }
      if (!json)
        progress.log(
          `dataset: ${manifest.counts.train} train / ${manifest.counts.eval} eval examples in ${datasetDir}`,
        );

      const adaptersDir = resolve(values["adapters-dir"] ?? join(dataHome(), "adapters"));
      const out = resolve(values.out ?? defaultAdapterDir(adaptersDir, key, info.head));
      const trainerArgs = [
        "train",
        "--dataset",
        datasetDir,
        "--out",
        out,
        "--base-model",
        base,
        "--max-tokens",
        String(maxTokens),
      ];
      if (values.config) trainerArgs.push("--config", resolve(values.config));
      if (values.budget) trainerArgs.push("--budget-seconds", String(parseDuration(values.budget)));
      if (values.steps) trainerArgs.push("--max-steps", String(numberOption("steps", values.steps, 0, 1)));
      if (values.rank) trainerArgs.push("--rank", String(numberOption("rank", values.rank, 16, 1)));
      if (values.layers) trainerArgs.push("--layers", values.layers);
      if (values["no-eval"]) trainerArgs.push("--no-eval");

      emit({ event: "phase", name: "train" });
      let phase: "train" | "eval" = "train";
      const result = await runTrainer({
        args: trainerArgs,
        signal: cancel.signal,
        onEvent: (event) => {
          if (event.event === "reportProgress" && phase === "train") {
            phase = "eval";
            emit({ event: "phase", name: "eval" });
            if (!json) progress.phase("report card", event.of);
          }
          emit(event);
          if (!json) renderEvent(progress, event);
        },
        onLog: (line) => {
          if (!json) progress.log(line);
        },
      });
      progress.done();
      if (result.error || !result.done) {
        const code = result.error?.code ?? "TRAINER_FAILED";
        if (code === "CANCELLED")
          throw new RepoLoraError("CANCELLED", "Training cancelled; no adapter was written.");
        throw new RepoLoraError(
          "TRAINER_FAILED",
          `Training failed (${code}): ${result.error?.message ?? `the trainer exited with ${result.exitCode}`}`,
          code === "OOM" ? "Lower --max-tokens or the micro-batch in --config." : undefined,
        );
      }
      if (!json) process.stdout.write(`Adapter written to ${result.done.adapterDir}\n`);
      if (!values.out) await activateIfBetter(new AdapterRegistry(adaptersDir), result.done.adapterDir, json);
      return 0;
    } catch (error) {
      if (json && error instanceof RepoLoraError) {
        emit({ event: "error", code: error.code, message: error.message });
      }
      throw error;
    } finally {
      progress.done();
      cancel.dispose();
    }
  },
};

/**
 * A new adapter becomes the repository's active one only when its report card beats the base model; otherwise
 * the previous active adapter stays, and the user can still choose the new one explicitly.
 */
async function activateIfBetter(registry: AdapterRegistry, adapterDir: string, json: boolean): Promise<void> {
  try {
    const entry = await registry.activate(adapterDir);
    if (!json) process.stdout.write(`Active adapter for this repository: ${entry.id}\n`);
  } catch (error) {
    if (!(error instanceof RepoLoraError) || json) return;
    process.stdout.write(`Not made active: ${error.message}\n  ${error.hint ?? ""}\n`);
  }
}

function renderEvent(progress: Progress, event: TrainerEvent): void {
  switch (event.event) {
    case "start":
      progress.phase("training", Number((event as { steps?: number }).steps ?? 0));
      break;
    case "step":
      progress.update(
        event.step,
        `loss ${event.loss?.toFixed(3) ?? "?"} ${event.tokensPerSec?.toFixed(0) ?? "?"} tok/s`,
      );
      break;
    case "eval":
      progress.log(`validation loss at step ${event.step}: ${event.loss?.toFixed(4) ?? "?"}`);
      break;
    case "reportProgress":
      progress.update(event.done);
      break;
    default:
      break;
  }
}
