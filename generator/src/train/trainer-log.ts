/**
 * The trainer's stderr, split in two: its own lines for the user, third-party noise (library warnings, the
 * transformers "kernels" notice, weight-loading bars) kept out of sight. Every line goes to the log file, so
 * nothing is lost: <data home>/logs/trainer.log, appended per run (a header names the run), reset past 5 MB.
 */
import { appendFileSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { dataHome } from "./locations.ts";

const MAX_LOG_BYTES = 5 * 1024 * 1024;

/** Where trainer output is kept; named in the note shown the first time a line is hidden. */
export function trainerLogPath(): string {
  return join(dataHome(), "logs", "trainer.log");
}

const NOISE: readonly RegExp[] = [
  // Python warnings: "<file>:<line>: FutureWarning: ..." and the source line echoed after it.
  /^\S.*:\d+: [A-Za-z]*Warning: /,
  /^\s+warnings\.warn\(/,
  // transformers / bitsandbytes probing the optional `kernels` package.
  /\bkernels(-community)?\b.*(pip install kernels|No module named)/,
  // transformers' tqdm bar while loading weights.
  /^Loading (weights|checkpoint shards):/,
];

/** True for a line that comes from a third-party library, not from the trainer. */
export function isThirdPartyNoise(line: string): boolean {
  return NOISE.some((pattern) => pattern.test(line));
}

export interface TrainerLog {
  /** Appends the line to the log file; returns whether the user should see it. */
  keep(line: string): boolean;
}

/** Opens the log for one trainer run (`args`: its command line, written as the run's header). */
export function openTrainerLog(args: readonly string[], path = trainerLogPath()): TrainerLog {
  let writable = true;
  const write = (text: string) => {
    if (!writable) return;
    try {
      appendFileSync(path, text);
    } catch {
      writable = false; // A read-only home must not stop training; the user still sees the trainer's lines.
    }
  };
  try {
    mkdirSync(dirname(path), { recursive: true });
    if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) writeFileSync(path, "");
  } catch {
    writable = false;
  }
  write(`\n=== ${new Date().toISOString()} pid ${process.pid}: repolora_trainer ${args.join(" ")}\n`);
  return {
    keep(line) {
      write(`${line}\n`);
      return !isThirdPartyNoise(line);
    },
  };
}
