/**
 * Stage 5 of `repolora train --update`: score the base model, the updated and the previous adapter on the same
 * held-out examples (the trainer's `eval --control`), apply the update rule, record it in the new bundle, and
 * activate the update or keep the previous adapter active.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ReportCard } from "../../../../runtime/src/contracts/report-card.ts";
import type { AdapterRegistry } from "../../adapters/registry/registry.ts";
import { reportTable } from "../../report/text.ts";
import { RepoLoraError } from "../../util/errors.ts";
import { runTrainer } from "../run-trainer.ts";
import { compareWithPrevious, recordUpdate, UPDATE_RULE, type UpdateDecision } from "../update.ts";
import type { TrainContext } from "./context.ts";
import type { UpdatePlan } from "./plan.ts";

type Json = Record<string, unknown>;

export async function decideUpdate(
  ctx: TrainContext,
  registry: AdapterRegistry,
  plan: UpdatePlan,
  adapterDir: string,
): Promise<void> {
  const { previous } = plan;
  const kept = `the new adapter ${adapterDir} is kept, and ${previous.entry.id} stays active`;
  const record = updateRecord(plan);
  if (ctx.flags.values["no-eval"]) {
    const reason = "not compared with the previous adapter (--no-eval)";
    await recordUpdate(adapterDir, { ...record, decision: { rule: UPDATE_RULE, activated: false, reason } });
    ctx.print(`Not made active: ${reason}; ${kept}.`);
    return;
  }
  const report = await scoreAgainstPrevious(ctx, plan, adapterDir, kept);
  ctx.print(reportTable(ReportCard.parse(report)));
  const decision = compareWithPrevious(report, ctx.flags.tolerance);
  const verdict = updateActivation(decision, { outGiven: Boolean(ctx.flags.values.out), kept });
  decision.reason = verdict.reason;
  if (verdict.activate) await activateUpdate(registry, plan, adapterDir, decision);
  await recordUpdate(adapterDir, { ...record, decision });
  ctx.emit({ event: "updateDecision", adapterDir, previous: previous.entry.id, ...decision });
  printOutcome(ctx, decision, adapterDir);
}

/**
 * The update rule's consequence: an update that does not keep up with the previous adapter is kept inactive;
 * one that does is activated, unless --out put it outside the registry's default place.
 */
export function updateActivation(
  decision: Pick<UpdateDecision, "keepsUp" | "reason">,
  options: { outGiven: boolean; kept: string },
): { activate: boolean; reason: string } {
  if (!decision.keepsUp) return { activate: false, reason: `${decision.reason}: ${options.kept}` };
  if (options.outGiven)
    return { activate: false, reason: `${decision.reason}, but --out was given: not activated` };
  return { activate: true, reason: decision.reason };
}

/** Makes the update active unless another run changed the active adapter meanwhile; says so in `decision`. */
async function activateUpdate(
  registry: AdapterRegistry,
  plan: UpdatePlan,
  adapterDir: string,
  decision: UpdateDecision,
): Promise<void> {
  try {
    await registry.activate(adapterDir, { ifActive: plan.previous.entry.name });
    decision.activated = true;
    decision.reason = `${decision.reason}: made active`;
  } catch (error) {
    if (!(error instanceof RepoLoraError)) throw error;
    decision.reason = `${decision.reason}, but not made active: ${error.message}`;
  }
}

/** What the bundle records about the update: what it continued and how its subset was chosen (update.json). */
function updateRecord(plan: UpdatePlan): Json {
  const subset = JSON.parse(readFileSync(join(plan.datasetDir, "update.json"), "utf8")) as Json;
  return {
    previous: { id: plan.previous.entry.id, dir: plan.previous.entry.dir },
    since: plan.previous.trainedCommit,
    to: subset.to,
    changedFiles: subset.changedFilesWithExamples,
    changedExamples: subset.changedExamples,
    replayExamples: subset.replayExamples,
    replayShare: subset.replayShare,
    seed: subset.seed,
    datasetDir: plan.datasetDir,
  };
}

/** `eval --control <previous>` arguments, with the report settings of the update's trainer config. */
export function controlEvalArgs(
  config: Json,
  datasetDir: string,
  adapterDir: string,
  previousDir: string,
): string[] {
  const limit = Number(config.report_limit ?? config.reportLimit ?? 100);
  const maxNew = Number(config.max_new_tokens ?? config.maxNewTokens ?? 64);
  const device = String(config.device ?? "auto");
  return [
    ...["eval", "--dataset", datasetDir, "--adapter", adapterDir, "--control", previousDir],
    ...["--limit", String(limit), "--max-new-tokens", String(maxNew), "--device", device, "--json"],
  ];
}

/** Runs the three-system report card; returns its JSON. `kept` ends the error messages. */
async function scoreAgainstPrevious(
  ctx: TrainContext,
  plan: UpdatePlan,
  adapterDir: string,
  kept: string,
): Promise<Json> {
  const config = JSON.parse(readFileSync(plan.configPath, "utf8")) as Json;
  ctx.emit({ event: "phase", name: "eval" });
  let started = false;
  const evaluation = await runTrainer({
    args: controlEvalArgs(config, plan.datasetDir, adapterDir, plan.previous.entry.dir),
    signal: ctx.signal,
    onEvent: (event) => {
      ctx.emit(event);
      if (ctx.flags.json || event.event !== "reportProgress") return;
      if (!started) ctx.progress.phase("report card (base, updated, previous)", event.of);
      started = true;
      ctx.progress.update(event.done);
    },
    onLog: ctx.log,
  });
  ctx.progress.done();
  if (evaluation.exitCode === 130)
    throw new RepoLoraError("CANCELLED", `Update cancelled while scoring; ${kept}.`);
  if (evaluation.exitCode !== 0)
    throw new RepoLoraError(
      "TRAINER_FAILED",
      `Scoring the update failed (exit ${evaluation.exitCode}, see the log above); ${kept}.`,
    );
  try {
    return JSON.parse(evaluation.otherStdout) as Json;
  } catch {
    throw new RepoLoraError("TRAINER_FAILED", `Scoring the update printed no report; ${kept}.`);
  }
}

function printOutcome(ctx: TrainContext, decision: UpdateDecision, adapterDir: string): void {
  const f = (v: number | null) => (v === null ? "?" : v.toFixed(3));
  ctx.print(
    `Held-out edit similarity on ${decision.examples ?? "?"} examples: updated ${f(decision.updatedEditSimilarity)}, previous ${f(decision.previousEditSimilarity)}, base ${f(decision.baseEditSimilarity)} ("control" above is the previous adapter).`,
  );
  ctx.print(
    `Rule: updated ≥ previous − ${decision.tolerance} (--tolerance), and better than the base model.`,
  );
  if (decision.activated)
    ctx.print(`Active adapter for this repository: ${adapterDir.split("/").slice(-2).join("/")}`);
  else ctx.print(`Not made active: ${decision.reason}.`);
}
