/**
 * What every stage of `repolora train` shares: the resolved flags, and where its output goes (JSON events on
 * stdout with --json; otherwise progress lines on stderr and result lines on stdout).
 */
import { createProgress, type Progress, silentProgress } from "../../cli/progress.ts";
import type { TrainRunEvent } from "../events.ts";
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
  const progress = flags.json ? silentProgress : createProgress();
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
