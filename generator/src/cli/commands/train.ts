import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatasetManifest } from "../../../../runtime/src/contracts/dataset.ts";
import { repoKey } from "../../../../runtime/src/contracts/registry.ts";
import { ReportCard } from "../../../../runtime/src/contracts/report-card.ts";
import type { TrainerEvent, TrainRunEvent } from "../../../../runtime/src/contracts/train-events.ts";
import { buildDataset } from "../../dataset/build.ts";
import { openRepo } from "../../mine/repo.ts";
import { activateAndDescribe } from "../../registry/activation.ts";
import { AdapterRegistry } from "../../registry/registry.ts";
import { reportTable } from "../../report/text.ts";
import { DEFAULT_BASE_MODEL, resolveBaseModel, templateForBaseModel } from "../../train/base-model.ts";
import { type ActivationInput, activationDecision, defaultAdapterFor } from "../../train/default-system.ts";
import { dataHome, defaultAdapterDir, defaultDatasetDir } from "../../train/locations.ts";
import { checkTrainerEnv } from "../../train/python-env.ts";
import { runTrainer } from "../../train/run-trainer.ts";
import {
  changedPaths,
  compareWithPrevious,
  DEFAULT_REPLAY,
  DEFAULT_TOLERANCE,
  findPreviousAdapter,
  isAncestor,
  type PreviousAdapter,
  recordUpdate,
  scaledLength,
  UPDATE_RULE,
  updateBaseModel,
  updateTrainerConfig,
  writeUpdateDataset,
} from "../../train/update.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { cancelOnSignals, listOption, numberOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { createProgress, type Progress, silentProgress } from "../progress.ts";
import { TRAINING_OPTIONS, trainerLengthArgs } from "../training-flags.ts";

const HELP = `Usage: repolora train <repo> [options]

Builds the repository's dataset, trains a LoRA adapter on it (QLoRA on a CUDA GPU, LoRA on CPU) and prints
its report card on code that entered the repo after the cutoff: the raw base model, the default completion
system (base + the shipped default FIM adapter) and the new adapter, with held-out NLL and completion metrics
and paired 95% intervals. With the embedded default base, the adapter starts from the default adapter's weights.
It becomes the repository's active adapter only when it beats the default system: NLL interval below 0 and the
edit-similarity interval not below 0, on at least 100 held-out examples (all of them when there are fewer).

Options:
  --base <model>        Hugging Face id (local hub cache), model folder, or .gguf file (default ${DEFAULT_BASE_MODEL})
                        (with --update: the active adapter's base; another one is refused)
  --out <dir>           Adapter folder (default: <adapters dir>/<repo>/<time>-<commit>)
  --adapters-dir <dir>  Where adapters live (default: ${join(dataHome(), "adapters")})
  --dataset <dir>       Use an existing dataset folder instead of building one
  --budget <time>       Training time budget, e.g. 10m (default: no budget; steps from --steps or one epoch)
  --steps <n>           Optimizer steps (default: one epoch)
  --rank <n>            LoRA rank (default 16)
  --layers <all|n>      LoRA on all layers or only the last n
  --max-tokens <n>      Prompt budget and sequence cap in tokens (default 1024)
  --config <file>       Trainer JSON config; the flags above override it
  --no-eval             Skip the report card (the adapter is then not made active, unless --force)
  --force               Make the adapter active whatever its report card says
  --from-scratch        Start from fresh LoRA weights instead of the default adapter's
  --cutoff, --subdir, --languages, --seed   As for \`repolora dataset\`
  --json                JSON lines on stdout (phase, dataset, step, eval, done, error) for tools

Incremental retrain:
  --update              Continue the repository's active adapter instead of starting from scratch: train it
                        (same base model, rank, layers and recipe) on the examples of files that changed since
                        the code it was trained on, plus a replay sample of the rest; then score it and the
                        previous adapter on the same held-out examples. It becomes active only if its mean edit
                        similarity is not below the previous adapter's by more than --tolerance (and it beats the
                        base model); otherwise it is kept and the previous adapter stays active.
                        Steps/budget default to the previous run's, scaled to the subset's size.
  --replay <share>      Share of the update's training examples replayed from unchanged files (default ${DEFAULT_REPLAY})
  --tolerance <x>       How far below the previous adapter's edit similarity the update may score and still
                        become active (default ${DEFAULT_TOLERANCE}; negative, e.g. --tolerance=-0.02: it must
                        improve by at least that much)

Examples:
  repolora train . --base ./models/tiny --steps 20
  repolora train . --update --replay 0.3`;

export const trainCommand: Command = {
  name: "train",
  summary: "Build the dataset, train a LoRA adapter for the repository and print its report card",
  help: HELP,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      ...TRAINING_OPTIONS,
      out: { type: "string" },
      dataset: { type: "string" },
      cutoff: { type: "string" },
      subdir: { type: "string" },
      json: { type: "boolean" },
      update: { type: "boolean" },
      replay: { type: "string" },
      tolerance: { type: "string" },
      force: { type: "boolean" },
      "from-scratch": { type: "boolean" },
    });
    const repo = positionals[0];
    if (!repo || positionals.length > 1)
      throw new RepoLoraError("BAD_ARGUMENT", "Give exactly one repository path.");
    const json = values.json ?? false;
    const emit = (event: TrainRunEvent) => {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    };
    const progress: Progress = json ? silentProgress : createProgress();
    const update = values.update ?? false;
    if (!update && (values.replay !== undefined || values.tolerance !== undefined))
      throw new RepoLoraError("BAD_ARGUMENT", "--replay and --tolerance only apply with --update.");
    const replay = numberOption("replay", values.replay, DEFAULT_REPLAY, 0);
    if (replay >= 1)
      throw new RepoLoraError("BAD_ARGUMENT", `--replay must be below 1, got '${values.replay}'.`);
    const tolerance = numberOption("tolerance", values.tolerance, DEFAULT_TOLERANCE, -1);
    if (tolerance > 1)
      throw new RepoLoraError("BAD_ARGUMENT", `--tolerance must be in [-1, 1], got '${values.tolerance}'.`);
    const cancel = cancelOnSignals();
    // Said at once: the checks below (git, then Python importing torch) take seconds before anything else shows.
    if (!json)
      progress.log(`train: reading ${resolve(repo)} and checking the trainer environment (Python, torch)…`);
    try {
      const { info } = await openRepo(repo, values.subdir);
      const key = repoKey(info.name, info.remote ?? info.root);
      const adaptersDir = resolve(values["adapters-dir"] ?? join(dataHome(), "adapters"));
      const registry = new AdapterRegistry(adaptersDir);
      // --update: the adapter to continue, checked before anything slow.
      const previous = update ? await findPreviousAdapter(registry, key, info.root) : null;
      const say = (line: string) => {
        if (!json) progress.log(line);
      };
      const base = previous
        ? updateBaseModel(previous, values.base)
        : await resolveBaseModel(values.base, say);
      const defaultAdapter = defaultAdapterFor(base);
      if (
        previous &&
        values.rank !== undefined &&
        numberOption("rank", values.rank, 16, 1) !== previous.entry.rank
      )
        throw new RepoLoraError(
          "BAD_ARGUMENT",
          `--rank ${values.rank} differs from the active adapter's rank (${previous.entry.rank}); an update continues its weights.`,
          "Leave --rank out, or train without --update.",
        );
      const previousMaxTokens = Number(previous?.trainConfig?.max_tokens) || 1024;
      const maxTokens = numberOption("max-tokens", values["max-tokens"], previousMaxTokens, 64);
      const env = await checkTrainerEnv();
      if (!json)
        progress.log(
          `trainer: torch ${env.versions.torch}, ${env.cuda ? "CUDA found: QLoRA" : "no CUDA: LoRA on CPU"}`,
        );
      if (previous && !json)
        progress.log(
          `updating ${previous.entry.id} (base ${base}, r=${previous.entry.rank}, trained on ${previous.trainedCommit.slice(0, 8)})`,
        );
      const seed = numberOption("seed", values.seed, 1);

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
          sampling: { seed },
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

      let trainDataset = datasetDir;
      let configPath = values.config ? resolve(values.config) : undefined;
      let length: { steps: number | null; budgetSeconds: number | null } = {
        steps: null,
        budgetSeconds: null,
      };
      if (previous) {
        // The new training code is the dataset's cutoff snapshot (HEAD when split by file).
        const to = manifest.cutoff.commit;
        const changed = await changedPaths(info.root, previous.trainedCommit, to, info.subdir);
        if (!(await isAncestor(info.root, previous.trainedCommit, to)) && !json)
          progress.log(
            `warning: ${previous.trainedCommit.slice(0, 8)} (the previous adapter's training code) is not an ancestor of ${to.slice(0, 8)}: it may have seen some of the held-out code, which favours it in the comparison.`,
          );
        const subset = await writeUpdateDataset({
          source: datasetDir,
          out: join(dataHome(), "datasets", key, `${info.head.slice(0, 12)}-update-${previous.entry.name}`),
          changed,
          replay,
          seed,
          previous,
          to,
        });
        emit({
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
        if (subset.changedExamples === 0) {
          emit({ event: "upToDate", adapter: previous.entry.id, since: previous.trainedCommit });
          if (!json)
            process.stdout.write(
              `Nothing to update: no training example changed between ${previous.trainedCommit.slice(0, 8)} and ${to.slice(0, 8)}; ${previous.entry.id} stays active.\n`,
            );
          return 0;
        }
        if (!json)
          progress.log(
            `update: ${subset.changedExamples} examples from ${subset.changedFiles} files changed since ${previous.trainedCommit.slice(0, 8)} + ${subset.replayExamples} replayed (${Math.round(replay * 100)}%) of ${subset.fullTrainExamples} → ${subset.trainExamples} in ${subset.dir}`,
          );
        const userConfig = configPath
          ? (JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>)
          : null;
        configPath = join(subset.dir, "update-config.json");
        writeFileSync(configPath, `${JSON.stringify(updateTrainerConfig(previous, userConfig), null, 2)}\n`);
        trainDataset = subset.dir;
        length = scaledLength(previous, subset.trainExamples);
      }

      const out = resolve(values.out ?? defaultAdapterDir(adaptersDir, key, info.head));
      const trainerArgs = [
        "train",
        "--dataset",
        trainDataset,
        "--out",
        out,
        "--base-model",
        base,
        "--max-tokens",
        String(maxTokens),
      ];
      if (configPath) trainerArgs.push("--config", configPath);
      trainerArgs.push(...trainerLengthArgs(values, length));
      // An update is scored afterwards, together with the previous adapter (eval --control).
      if (values["no-eval"] || previous) trainerArgs.push("--no-eval");
      if (previous) trainerArgs.push("--init-adapter", previous.entry.dir);
      if (defaultAdapter) trainerArgs.push("--baseline-adapter", defaultAdapter);
      const fromDefault = startsFromDefault(defaultAdapter, previous !== null, values);
      if (fromDefault) trainerArgs.push("--init-adapter", fromDefault);
      say(
        defaultAdapter
          ? `default system: base + ${defaultAdapter} (the baseline of the report card${fromDefault ? "; training starts from its weights" : ""})`
          : "no default adapter for this base model: the report card's baseline is the raw base",
      );

      emit({ event: "phase", name: "train" });
      if (!json) progress.log(`training: starting the trainer (Python loads torch and ${base})…`);
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
      const unchanged = previous ? ` ${previous.entry.id} stays active.` : "";
      if (result.error || !result.done) {
        const code = result.error?.code ?? "TRAINER_FAILED";
        if (code === "CANCELLED")
          throw new RepoLoraError("CANCELLED", `Training cancelled; no adapter was written.${unchanged}`);
        throw new RepoLoraError(
          "TRAINER_FAILED",
          `Training failed (${code}): ${result.error?.message ?? `the trainer exited with ${result.exitCode}`}${unchanged ? `;${unchanged}` : ""}`,
          code === "OOM" ? "Lower --max-tokens or the micro-batch in --config." : undefined,
        );
      }
      if (!json) process.stdout.write(`Adapter written to ${result.done.adapterDir}\n`);
      if (previous) {
        await finishUpdate({
          previous,
          registry,
          adapterDir: result.done.adapterDir,
          datasetDir: trainDataset,
          configPath: configPath as string,
          tolerance,
          activate: !values.out,
          evaluate: !values["no-eval"],
          json,
          emit,
          progress,
          signal: cancel.signal,
        });
        return 0;
      }
      if (!values.out)
        await activateIfBetter(registry, result.done.adapterDir, json, {
          noEval: values["no-eval"] ?? false,
          force: values.force ?? false,
        });
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
 * After an update's training: score base, updated and previous adapter on the same held-out examples (the
 * trainer's `eval --control`), apply the update rule, record it in the new bundle, and activate or not.
 */
async function finishUpdate(options: {
  previous: PreviousAdapter;
  registry: AdapterRegistry;
  adapterDir: string;
  datasetDir: string;
  configPath: string;
  tolerance: number;
  activate: boolean;
  evaluate: boolean;
  json: boolean;
  emit: (event: TrainRunEvent) => void;
  progress: Progress;
  signal: AbortSignal;
}): Promise<void> {
  const { previous, adapterDir, json, emit, progress } = options;
  const say = (text: string) => {
    if (!json) process.stdout.write(`${text}\n`);
  };
  const kept = `the new adapter ${adapterDir} is kept, and ${previous.entry.id} stays active`;
  const subset = JSON.parse(readFileSync(join(options.datasetDir, "update.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const record: Record<string, unknown> = {
    previous: { id: previous.entry.id, dir: previous.entry.dir },
    since: previous.trainedCommit,
    to: subset.to,
    changedFiles: subset.changedFilesWithExamples,
    changedExamples: subset.changedExamples,
    replayExamples: subset.replayExamples,
    replayShare: subset.replayShare,
    seed: subset.seed,
    datasetDir: options.datasetDir,
  };
  if (!options.evaluate) {
    const reason = "not compared with the previous adapter (--no-eval)";
    await recordUpdate(adapterDir, { ...record, decision: { rule: UPDATE_RULE, activated: false, reason } });
    say(`Not made active: ${reason}; ${kept}.`);
    return;
  }
  const config = JSON.parse(readFileSync(options.configPath, "utf8")) as Record<string, unknown>;
  const limit = Number(config.report_limit ?? config.reportLimit ?? 100);
  const maxNew = Number(config.max_new_tokens ?? config.maxNewTokens ?? 64);
  const device = String(config.device ?? "auto");
  emit({ event: "phase", name: "eval" });
  let started = false;
  const evaluation = await runTrainer({
    args: [
      "eval",
      "--dataset",
      options.datasetDir,
      "--adapter",
      adapterDir,
      "--control",
      previous.entry.dir,
      "--limit",
      String(limit),
      "--max-new-tokens",
      String(maxNew),
      "--device",
      device,
      "--json",
    ],
    signal: options.signal,
    onEvent: (event) => {
      emit(event);
      if (json || event.event !== "reportProgress") return;
      if (!started) progress.phase("report card (base, updated, previous)", event.of);
      started = true;
      progress.update(event.done);
    },
    onLog: (line) => {
      if (!json) progress.log(line);
    },
  });
  progress.done();
  if (evaluation.exitCode !== 0) {
    if (evaluation.exitCode === 130)
      throw new RepoLoraError("CANCELLED", `Update cancelled while scoring; ${kept}.`);
    throw new RepoLoraError(
      "TRAINER_FAILED",
      `Scoring the update failed (exit ${evaluation.exitCode}, see the log above); ${kept}.`,
    );
  }
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(evaluation.otherStdout) as Record<string, unknown>;
  } catch {
    throw new RepoLoraError("TRAINER_FAILED", `Scoring the update printed no report; ${kept}.`);
  }
  say(reportTable(ReportCard.parse(report)));
  const decision = compareWithPrevious(report, options.tolerance);
  if (!decision.keepsUp) {
    decision.reason = `${decision.reason}: ${kept}`;
  } else if (!options.activate) {
    decision.reason = `${decision.reason}, but --out was given: not activated`;
  } else {
    try {
      await options.registry.activate(adapterDir, { ifActive: previous.entry.name });
      decision.activated = true;
      decision.reason = `${decision.reason}: made active`;
    } catch (error) {
      if (!(error instanceof RepoLoraError)) throw error;
      decision.reason = `${decision.reason}, but not made active: ${error.message}`;
    }
  }
  await recordUpdate(adapterDir, { ...record, decision });
  emit({ event: "updateDecision", adapterDir, previous: previous.entry.id, ...decision });
  const f = (v: number | null) => (v === null ? "?" : v.toFixed(3));
  say(
    `Held-out edit similarity on ${decision.examples ?? "?"} examples: updated ${f(decision.updatedEditSimilarity)}, previous ${f(decision.previousEditSimilarity)}, base ${f(decision.baseEditSimilarity)} ("control" above is the previous adapter).`,
  );
  say(`Rule: updated ≥ previous − ${options.tolerance} (--tolerance), and better than the base model.`);
  if (decision.activated)
    say(`Active adapter for this repository: ${adapterDir.split("/").slice(-2).join("/")}`);
  else say(`Not made active: ${decision.reason}.`);
}

/**
 * A new adapter becomes the repository's active one only when its report card beats the default system (see
 * activationDecision); otherwise the previous active adapter stays, and the user can still choose it explicitly.
 */
async function activateIfBetter(
  registry: AdapterRegistry,
  adapterDir: string,
  json: boolean,
  flags: { noEval: boolean; force: boolean },
): Promise<void> {
  const reportPath = join(adapterDir, "report.json");
  const report = existsSync(reportPath)
    ? (JSON.parse(readFileSync(reportPath, "utf8")) as { verdict?: ActivationInput["verdict"] })
    : null;
  const decision = activationDecision({ verdict: report?.verdict ?? null, ...flags });
  if (!decision.activate) {
    if (!json) process.stdout.write(`Not made active: ${decision.reason}.\n`);
    return;
  }
  try {
    // This process's start is the run's start: an activation newer than that came from a concurrent run.
    // The decision above is the rule (force: the registry's own better-than-base check is superseded by it).
    const lines = await activateAndDescribe(registry, adapterDir, performance.timeOrigin, { force: true });
    if (!json) process.stdout.write(`${lines.join("\n")} (${decision.reason})\n`);
  } catch (error) {
    if (!(error instanceof RepoLoraError) || json) return;
    process.stdout.write(`Not made active: ${error.message}\n  ${error.hint ?? ""}\n`);
  }
}

/**
 * The adapter a new repository adapter starts from: the default adapter, unless this is an update (which
 * continues its own), --from-scratch, or an explicit --rank/--layers the default adapter's shape cannot meet.
 */
function startsFromDefault(
  defaultAdapter: string | null,
  isUpdate: boolean,
  values: { rank?: string | undefined; layers?: string | undefined; "from-scratch"?: boolean | undefined },
): string | null {
  if (!defaultAdapter || isUpdate || values["from-scratch"]) return null;
  if (values.rank !== undefined || values.layers !== undefined) return null;
  return defaultAdapter;
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
