/**
 * Runs `python -m repolora_trainer <train|eval>` as a child process: progress events from its stdout, logs from
 * its stderr, cancellation by SIGTERM (the trainer stops at a step boundary and writes nothing).
 *
 * The trainer runs in its own process group, so the CLI is the only one that signals it. In the terminal's group,
 * Ctrl-C reached it twice, once from the terminal (SIGINT) and once forwarded by the CLI (SIGTERM), and it took
 * the second as "quit now": it died by signal mid-step and the CLI reported "the trainer exited with 128".
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { createInterface } from "node:readline";
import { parseTrainerLine, type TrainerEvent } from "../../../runtime/src/contracts/train-events.ts";
import { RepoLoraError } from "../util/errors.ts";
import { trainerProcessEnv, trainerPython } from "./python-env.ts";
import { openTrainerLog, trainerLogPath } from "./trainer-log.ts";

export interface TrainerRun {
  /** Arguments after `-m repolora_trainer`. */
  args: string[];
  onEvent(event: TrainerEvent): void;
  /** Lines the trainer logs on stderr, less third-party noise (all of it goes to trainerLogPath()). */
  onLog?(line: string): void;
  signal?: AbortSignal;
}

export interface TrainerResult {
  exitCode: number;
  done: Extract<TrainerEvent, { event: "done" }> | null;
  error: Extract<TrainerEvent, { event: "error" }> | null;
  /** stdout that was not a progress event (e.g. `eval --json`'s report). */
  otherStdout: string;
}

export function runTrainer(run: TrainerRun): Promise<TrainerResult> {
  const python = trainerPython();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, ["-m", "repolora_trainer", ...run.args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...trainerProcessEnv(), PYTHONUNBUFFERED: "1", TOKENIZERS_PARALLELISM: "false" },
      detached: true,
    });
    // Out of the terminal's group, the trainer must not outlive the CLI (a second Ctrl-C exits at once).
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    let done: TrainerResult["done"] = null;
    let error: TrainerResult["error"] = null;
    let otherStdout = "";
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = parseTrainerLine(line);
      if (!event) {
        otherStdout += `${line}\n`;
        return;
      }
      if (event.event === "done") done = event;
      if (event.event === "error") error = event;
      run.onEvent(event);
    });
    const log = openTrainerLog(run.args);
    let hidden = false;
    createInterface({ input: child.stderr }).on("line", (line) => {
      if (log.keep(line)) run.onLog?.(line);
      else if (!hidden) {
        hidden = true;
        run.onLog?.(`(third-party library warnings are hidden here and kept in ${trainerLogPath()})`);
      }
    });
    const onAbort = () => child.kill("SIGTERM");
    run.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (e) =>
      reject(new RepoLoraError("TRAINER_FAILED", `Could not start the trainer: ${e.message}`)),
    );
    child.on("close", (code, signal) => {
      run.signal?.removeEventListener("abort", onAbort);
      process.off("exit", killOnExit);
      if (run.signal?.aborted && !done) {
        // Cancelled: however the trainer ended (its own CANCELLED event, or a signal before its handler was in
        // place, e.g. during Python's start-up), the caller sees one answer: exit 130, CANCELLED.
        const cancelled = { event: "error", code: "CANCELLED", message: "cancelled" } as const;
        resolvePromise({ exitCode: 130, done, error: cancelled, otherStdout });
        return;
      }
      resolvePromise({
        exitCode: code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1),
        done,
        error,
        otherStdout,
      });
    });
  });
}
