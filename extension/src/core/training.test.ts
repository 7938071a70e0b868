import { describe, expect, it } from "vitest";
import type { TrainRunEvent } from "../../../runtime/src/contracts/train-events.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";
import {
  describeTrain,
  formatDuration,
  INITIAL_TRAIN_STATE,
  lineSplitter,
  overallPercent,
  parseTrainLine,
  reduceTrain,
  type TrainEvent,
  trainArgs,
} from "./training.ts";

/** A `repolora train --json` run as the CLI prints it (typed by the contract), with noise a tool must survive. */
const EVENTS: TrainRunEvent[] = [
  { event: "phase", name: "dataset" },
  { event: "dataset", dir: "/d", train: 900, eval: 100, files: 42 },
  { event: "phase", name: "train" },
  { event: "start", device: "cpu", mode: "lora", steps: 100 },
  { event: "message", level: "info", message: "no CUDA: plain LoRA on CPU in fp32" },
  { event: "step", step: 1, of: 100, loss: 2.5, tokensPerSec: 900, etaSec: 600 },
  { event: "step", step: 50, of: 80, loss: 1.25, tokensPerSec: 950, etaSec: 125 },
  { event: "eval", step: 50, loss: 1.4 },
  { event: "phase", name: "eval" },
  { event: "reportProgress", done: 10, of: 40, etaSec: 30 },
  { event: "done", adapterDir: "/a/run", report: { examples: 40 } },
];
const RUN = EVENTS.map((event) => JSON.stringify(event));
RUN.splice(5, 0, "not json at all");

function fold(lines: string[]) {
  const states = [INITIAL_TRAIN_STATE];
  for (const line of lines) {
    const event = parseTrainLine(line);
    if (event) states.push(reduceTrain(states.at(-1)!, event));
  }
  return states;
}

describe("training progress", () => {
  it("parses events and skips other lines", () => {
    expect(parseTrainLine('{"event":"phase","name":"train"}')).toEqual({ event: "phase", name: "train" });
    expect(parseTrainLine("Loading weights 100%")).toBeNull();
    expect(parseTrainLine('{"no":"event"}')).toBeNull();
    expect(parseTrainLine("{broken")).toBeNull();
    // Lines that break the contract are skipped too, not folded in half-read.
    expect(parseTrainLine('{"event":"step","step":"one"}')).toBeNull();
    expect(parseTrainLine('{"event":"phase","name":"deploy"}')).toBeNull();
  });

  it("reads back every event of the run as written", () => {
    expect(RUN.map(parseTrainLine).filter(Boolean)).toEqual(EVENTS);
  });

  it("follows a run through its phases with loss, ETA and a monotone percentage", () => {
    const states = fold(RUN);
    const percents = states.map(overallPercent);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    const last = states.at(-1)!;
    expect(last).toMatchObject({ phase: "done", done: { adapterDir: "/a/run", report: { examples: 40 } } });
    const training = states.find((s) => s.step === 50)!;
    expect(describeTrain(training)).toBe("training: step 50/80 · loss 1.250 · ETA 2m 05s");
    expect(overallPercent(training)).toBe(60);
    expect(describeTrain(states.find((s) => s.dataset)!)).toContain(
      "900 training / 100 held-out examples from 42 files",
    );
    expect(describeTrain(states.find((s) => s.reportOf > 0)!)).toBe(
      "report card: 10/40 held-out completions · ETA 30s",
    );
  });

  it("keeps the trainer's messages while the model loads", () => {
    const states = fold(RUN.slice(0, 5));
    expect(describeTrain(states.at(-1)!)).toBe("no CUDA: plain LoRA on CPU in fp32");
  });

  it("ends in error with the trainer's code", () => {
    const event: TrainEvent = { event: "error", code: "OOM", message: "out of memory" };
    const state = reduceTrain(INITIAL_TRAIN_STATE, event);
    expect(state).toMatchObject({ phase: "error", error: { code: "OOM" } });
    expect(describeTrain(state)).toBe("failed: out of memory");
  });

  it("formats durations", () => {
    expect(formatDuration(null)).toBe("?");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe("3h 07m");
  });

  it("builds the command line from the settings", () => {
    expect(
      trainArgs("/src/app", {
        rank: 8,
        budgetMinutes: 20,
        baseModel: "",
        adaptersDir: "/ad",
        extraArgs: ["--steps", "5"],
      }),
    ).toEqual([
      "train",
      "/src/app",
      "--json",
      "--rank",
      "8",
      "--budget",
      "20m",
      "--adapters-dir",
      "/ad",
      "--steps",
      "5",
    ]);
    expect(
      trainArgs("/r", { rank: 16, budgetMinutes: 0, baseModel: "m", adaptersDir: "", extraArgs: [] }),
    ).toEqual(["train", "/r", "--json", "--rank", "16", "--base", "m"]);
  });

  it("sends no --rank by default, so training continues the default adapter", () => {
    const args = trainArgs("/r", { ...DEFAULT_SETTINGS.training, adaptersDir: "" });
    expect(DEFAULT_SETTINGS.training.rank).toBe(0);
    expect(args).toEqual(["train", "/r", "--json", "--budget", "30m"]);
  });

  it("splits chunks into lines", () => {
    const lines: string[] = [];
    const splitter = lineSplitter((l) => lines.push(l));
    splitter.push('{"a":1}\n{"b"');
    splitter.push(":2}\n\npartial");
    splitter.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', "partial"]);
  });
});
