/**
 * Runs `python -m repolora_trainer <train|eval>` as a child process: progress events from its stdout, logs from
 * its stderr, cancellation by SIGTERM (the trainer stops at a step boundary and writes nothing).
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { RepoLoraError } from "../util/errors.ts";
import { parseTrainerLine, type TrainerEvent } from "./events.ts";
import { trainerPython } from "./python-env.ts";

export interface TrainerRun {
  /** Arguments after `-m repolora_trainer`. */
  args: string[];
  onEvent(event: TrainerEvent): void;
  /** Lines the trainer logs on stderr. */
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
      env: { ...process.env, PYTHONUNBUFFERED: "1", TOKENIZERS_PARALLELISM: "false" },
    });
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
    createInterface({ input: child.stderr }).on("line", (line) => run.onLog?.(line));
    const onAbort = () => child.kill("SIGTERM");
    run.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (e) =>
      reject(new RepoLoraError("TRAINER_FAILED", `Could not start the trainer: ${e.message}`)),
    );
    child.on("close", (code, signal) => {
      run.signal?.removeEventListener("abort", onAbort);
      resolvePromise({ exitCode: code ?? (signal ? 128 : 1), done, error, otherStdout });
    });
  });
}
