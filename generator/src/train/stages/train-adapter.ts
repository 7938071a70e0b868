/**
 * Stage 4 of `repolora train`: runs the Python trainer (`python -m repolora_trainer train`) on the plan, shows
 * its progress, and turns its failure into the CLI's error. A new adapter is scored by the trainer itself (its
 * report card); an update is scored afterwards, together with the previous adapter.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ReportCard } from "../../../../runtime/src/contracts/report-card.ts";
import type { TrainerEvent } from "../../../../runtime/src/contracts/train-events.ts";
import { trainerLengthArgs } from "../../cli/training-flags.ts";
import { reportTable } from "../../report/text.ts";
import { RepoLoraError } from "../../util/errors.ts";
import type { Progress } from "../../util/progress.ts";
import { startingAdapter, trainingTemplate } from "../default-system.ts";
import { defaultAdapterDir } from "../locations.ts";
import { runTrainer, type TrainerResult } from "../run-trainer.ts";
import type { TrainContext } from "./context.ts";
import type { TrainValues } from "./flags.ts";
import type { TrainInputs } from "./inputs.ts";
import type { TrainPlan } from "./plan.ts";

/** Returns the written adapter's folder. `datasetTemplate`: the prompt template of the dataset's records. */
export async function trainAdapter(
  ctx: TrainContext,
  inputs: TrainInputs,
  plan: TrainPlan,
  datasetTemplate: string,
): Promise<string> {
  const out = resolve(
    ctx.flags.values.out ?? defaultAdapterDir(inputs.adaptersDir, inputs.key, inputs.info.head),
  );
  const defaultTemplate = inputs.defaultAdapter ? trainingTemplate(inputs.base, inputs.defaultAdapter) : null;
  const otherTemplate = defaultTemplate !== null && datasetTemplate !== defaultTemplate;
  const { args, fromDefault } = trainerArgs(ctx.flags.values, inputs, plan, out, otherTemplate);
  ctx.log(
    inputs.defaultAdapter
      ? `default system: base + ${inputs.defaultAdapter} (the baseline of the report card${fromDefault ? "; training starts from its weights" : ""})`
      : "no default adapter for this base model: the report card's baseline is the raw base",
  );
  if (otherTemplate)
    ctx.log(
      `warning: the dataset's prompts use ${datasetTemplate}, the default adapter was trained on ${defaultTemplate}: training starts from fresh weights, and the card's default system is scored on prompts it was not trained for`,
    );
  ctx.emit({ event: "phase", name: "train" });
  ctx.log(`training: starting the trainer (Python loads torch and ${inputs.base})…`);
  const result = await runTrainer({
    args,
    signal: ctx.signal,
    onEvent: showTrainerEvents(ctx),
    onLog: ctx.log,
  });
  ctx.progress.done();
  if (result.error || !result.done)
    throw trainerFailure(result, plan.kind === "update" ? plan.previous.entry.id : null);
  ctx.print(`Adapter written to ${result.done.adapterDir}`);
  printReportCard(ctx, result.done.adapterDir);
  return result.done.adapterDir;
}

/** The card the trainer wrote (report.json), as the CLI's one table; nothing when it was not scored. */
function printReportCard(ctx: TrainContext, adapterDir: string): void {
  const path = join(adapterDir, "report.json");
  if (!existsSync(path)) return;
  ctx.print(reportTable(ReportCard.parse(JSON.parse(readFileSync(path, "utf8")))));
}

/** `python -m repolora_trainer train` arguments, and the adapter training starts from (null: fresh weights). */
export function trainerArgs(
  values: TrainValues,
  inputs: Pick<TrainInputs, "base" | "maxTokens" | "defaultAdapter">,
  plan: TrainPlan,
  out: string,
  otherTemplate = false,
): { args: string[]; fromDefault: string | null } {
  const args = ["train", "--dataset", plan.datasetDir, "--out", out, "--base-model", inputs.base];
  args.push("--max-tokens", String(inputs.maxTokens));
  if (plan.configPath) args.push("--config", plan.configPath);
  args.push(...trainerLengthArgs(values, plan.length));
  // An update is scored afterwards, together with the previous adapter (eval --control).
  if (values["no-eval"] || plan.kind === "update") args.push("--no-eval");
  if (plan.kind === "update") args.push("--init-adapter", plan.previous.entry.dir);
  if (inputs.defaultAdapter) args.push("--baseline-adapter", inputs.defaultAdapter);
  const fromDefault = startsFromDefault(inputs.defaultAdapter, plan.kind === "update", values, otherTemplate);
  if (fromDefault) args.push("--init-adapter", fromDefault);
  return { args, fromDefault };
}

/**
 * The adapter a new repository adapter starts from: the default adapter, unless this is an update (which
 * continues its own), --from-scratch, or an explicit --rank/--layers the default adapter's shape cannot meet.
 */
export function startsFromDefault(
  defaultAdapter: string | null,
  isUpdate: boolean,
  values: Pick<TrainValues, "rank" | "layers" | "from-scratch">,
  otherTemplate = false,
): string | null {
  return startingAdapter(defaultAdapter, {
    isUpdate,
    fromScratch: values["from-scratch"] === true,
    shapeGiven: values.rank !== undefined || values.layers !== undefined,
    otherTemplate,
  });
}

/** The CLI's error for a trainer run that wrote no adapter; `previous` (an update's) stays active. */
export function trainerFailure(result: TrainerResult, previous: string | null): RepoLoraError {
  const unchanged = previous ? ` ${previous} stays active.` : "";
  const code = result.error?.code ?? "TRAINER_FAILED";
  if (code === "CANCELLED")
    return new RepoLoraError("CANCELLED", `Training cancelled; no adapter was written.${unchanged}`);
  return new RepoLoraError(
    "TRAINER_FAILED",
    `Training failed (${code}): ${result.error?.message ?? `the trainer exited with ${result.exitCode}`}${unchanged ? `;${unchanged}` : ""}`,
    code === "OOM" ? "Lower --max-tokens or the micro-batch in --config." : undefined,
  );
}

/** Forwards the trainer's events (--json) or draws them; its first report-card event starts the eval phase. */
function showTrainerEvents(ctx: TrainContext): (event: TrainerEvent) => void {
  let phase: "train" | "eval" = "train";
  return (event) => {
    if (event.event === "reportProgress" && phase === "train") {
      phase = "eval";
      ctx.emit({ event: "phase", name: "eval" });
      if (!ctx.flags.json) ctx.progress.phase("report card", event.of);
    }
    ctx.emit(event);
    if (!ctx.flags.json) renderEvent(ctx.progress, event);
  };
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
