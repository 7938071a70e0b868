/**
 * What every stage of `repolora train` shares: the resolved flags, and where its output goes (JSON events on
 * stdout with --json; otherwise progress lines on stderr and result lines on stdout).
 */

import type { TrainRunEvent } from "../../../../runtime/src/contracts/train-events.ts";
import { parseDuration } from "../../cli/duration.ts";
import { createProgress, type JobStage, type Progress, silentProgress } from "../../util/progress.ts";
import type { TrainFlags } from "./flags.ts";

export interface TrainContext {
  flags: TrainFlags;
  /** A `--json` event line on stdout; nothing without --json. */
  emit(event: TrainRunEvent): void;
  /** A progress line on stderr; nothing with --json. */
  log(line: string): void;
  /** A result line on stdout; nothing with --json. */
  print(line: string): void;
  progress: Progress;
  /** Aborted on Ctrl-C / SIGTERM: the trainer stops at a step boundary. */
  signal: AbortSignal;
}

export function createTrainContext(
  flags: TrainFlags,
  signal: AbortSignal,
  stdout: { write(text: string): unknown } = process.stdout,
): TrainContext {
  const progress = flags.json ? silentProgress : createProgress({ job: trainJob(flags.values.budget) });
  return {
    flags,
    emit: (event) => {
      if (flags.json) stdout.write(`${JSON.stringify(event)}\n`);
    },
    log: (line) => {
      if (!flags.json) progress.log(line);
    },
    print: (line) => {
      if (!flags.json) stdout.write(`${line}\n`);
    },
    progress,
    signal,
  };
}

/**
 * The whole `train` job for its one ETA: dataset, training (capped by --budget; the trainer's own budget also
 * covers loading the model), report card. A stage without an estimate makes the job's ETA a lower bound ("≥").
 */
export function trainJob(budget: string | undefined): JobStage[] {
  return [
    { name: "dataset", phases: ["reading files", "parsing", "building examples"] },
    {
      name: "training",
      phases: ["training"],
      ...(budget ? { capSeconds: parseDuration(budget) } : {}),
    },
    { name: "report card", phases: ["report card"] },
  ];
}
