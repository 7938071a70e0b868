/**
 * `repolora train <repo> --json` progress: its JSON lines parsed and folded into one state the progress
 * notification shows (phase, step/of, loss, ETA), plus the command line built from the settings.
 */
import { parseTrainRunLine, type TrainRunEvent } from "../../../runtime/src/contracts/train-events.ts";
import type { ReportCard } from "./adapters.ts";

/** An event of `repolora train --json` (the contract: runtime/src/contracts/train-events.ts). */
export type TrainEvent = TrainRunEvent;

/** One stdout line → event; null for anything else (logged by the caller, never fatal). */
export const parseTrainLine = parseTrainRunLine;

export type TrainPhase = "starting" | "dataset" | "train" | "eval" | "done" | "error";

export interface TrainState {
  phase: TrainPhase;
  step: number;
  of: number;
  loss: number | null;
  evalLoss: number | null;
  etaSec: number | null;
  tokensPerSec: number | null;
  dataset: { train: number; eval: number; files: number } | null;
  reportDone: number;
  reportOf: number;
  messages: string[];
  done: { adapterDir: string; report: ReportCard | null } | null;
  error: { code: string; message: string } | null;
}

export const INITIAL_TRAIN_STATE: TrainState = {
  phase: "starting",
  step: 0,
  of: 0,
  loss: null,
  evalLoss: null,
  etaSec: null,
  tokensPerSec: null,
  dataset: null,
  reportDone: 0,
  reportOf: 0,
  messages: [],
  done: null,
  error: null,
};

export function reduceTrain(state: TrainState, event: TrainEvent): TrainState {
  switch (event.event) {
    case "phase":
      return { ...state, phase: event.name, etaSec: event.name === state.phase ? state.etaSec : null };
    case "dataset":
      return { ...state, dataset: { train: event.train, eval: event.eval, files: event.files } };
    case "start":
      return { ...state, phase: state.phase === "starting" ? "train" : state.phase };
    case "message":
      return { ...state, messages: [...state.messages.slice(-19), event.message] };
    case "step":
      return {
        ...state,
        phase: "train",
        step: event.step,
        of: event.of,
        loss: event.loss ?? state.loss,
        etaSec: event.etaSec ?? null,
        tokensPerSec: event.tokensPerSec ?? null,
      };
    case "eval":
      return { ...state, evalLoss: typeof event.loss === "number" ? event.loss : state.evalLoss };
    case "reportProgress":
      return {
        ...state,
        phase: "eval",
        reportDone: event.done,
        reportOf: event.of,
        etaSec: event.etaSec ?? null,
      };
    case "done":
      return {
        ...state,
        phase: "done",
        done: { adapterDir: event.adapterDir, report: (event.report as ReportCard | undefined) ?? null },
      };
    case "error":
      return { ...state, phase: "error", error: { code: event.code, message: event.message } };
    default:
      return state;
  }
}

/** Share of the whole run done, 0–100: dataset 0–10, training 10–90, report card 90–100. */
export function overallPercent(state: TrainState): number {
  switch (state.phase) {
    case "starting":
      return 0;
    case "dataset":
      return state.dataset ? 10 : 2;
    case "train":
      return 10 + (state.of > 0 ? (80 * Math.min(state.step, state.of)) / state.of : 0);
    case "eval":
      return 90 + (state.reportOf > 0 ? (10 * state.reportDone) / state.reportOf : 0);
    case "done":
    case "error":
      return 100;
  }
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** The progress notification's line. */
export function describeTrain(state: TrainState): string {
  switch (state.phase) {
    case "starting":
      return "starting…";
    case "dataset":
      return state.dataset
        ? `dataset: ${state.dataset.train} training / ${state.dataset.eval} held-out examples from ${state.dataset.files} files`
        : "building the dataset from the repository…";
    case "train": {
      if (state.of === 0) return state.messages.at(-1) ?? "loading the base model…";
      const loss = state.loss === null ? "" : ` · loss ${state.loss.toFixed(3)}`;
      return `training: step ${state.step}/${state.of}${loss} · ETA ${formatDuration(state.etaSec)}`;
    }
    case "eval":
      return state.reportOf > 0
        ? `report card: ${state.reportDone}/${state.reportOf} held-out completions · ETA ${formatDuration(state.etaSec)}`
        : "report card: base model vs adapter on held-out code…";
    case "done":
      return "done";
    case "error":
      return `failed: ${state.error?.message ?? "unknown error"}`;
  }
}

export interface TrainSettings {
  /** LoRA rank; 0 = the default adapter's, whose weights training then continues (no --rank sent). */
  rank: number;
  /** Training time budget in minutes; 0 = none. */
  budgetMinutes: number;
  baseModel: string;
  adaptersDir: string;
  extraArgs: string[];
}

/** Arguments after the CLI script: `train <repo> --json …`. */
export function trainArgs(repo: string, settings: TrainSettings): string[] {
  const args = ["train", repo, "--json"];
  // An explicit --rank makes the CLI start from fresh weights; without one it continues the default adapter.
  if (settings.rank > 0) args.push("--rank", String(settings.rank));
  if (settings.budgetMinutes > 0) args.push("--budget", `${settings.budgetMinutes}m`);
  if (settings.baseModel) args.push("--base", settings.baseModel);
  if (settings.adaptersDir) args.push("--adapters-dir", settings.adaptersDir);
  args.push(...settings.extraArgs);
  return args;
}

/** Splits a stream's chunks into lines (the last, unterminated one waits for more). */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let buffer = "";
  return {
    push(chunk) {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line);
    },
    end() {
      if (buffer.trim()) onLine(buffer);
      buffer = "";
    },
  };
}
