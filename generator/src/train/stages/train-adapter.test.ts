import { describe, expect, it } from "vitest";
import type { TrainerResult } from "../run-trainer.ts";
import type { PreviousAdapter } from "../update.ts";
import { parseTrainFlags } from "./flags.ts";
import type { NewAdapterPlan, UpdatePlan } from "./plan.ts";
import { trainerArgs, trainerFailure } from "./train-adapter.ts";

const inputs = { base: "/models/base", maxTokens: 512, defaultAdapter: "/default-adapter" };
const fresh: NewAdapterPlan = {
  kind: "new",
  datasetDir: "/ds",
  configPath: undefined,
  length: { steps: null, budgetSeconds: null },
};
const previous = { entry: { dir: "/adapters/r/prev", id: "r/prev" } } as unknown as PreviousAdapter;
const update: UpdatePlan = {
  kind: "update",
  previous,
  datasetDir: "/ds-update",
  configPath: "/ds-update/update-config.json",
  length: { steps: 6, budgetSeconds: 150 },
};
const values = (...args: string[]) => parseTrainFlags([".", ...args]).values;
const option = (args: string[], name: string) => args.filter((_, i) => args[i - 1] === name);

describe("trainerArgs", () => {
  it("starts a new adapter from the default adapter, which is also the report card's baseline", () => {
    const { args, fromDefault } = trainerArgs(values("--steps", "5"), inputs, fresh, "/out");
    expect(args.slice(0, 9)).toEqual([
      ...["train", "--dataset", "/ds", "--out", "/out", "--base-model", "/models/base"],
      ...["--max-tokens", "512"],
    ]);
    expect(option(args, "--max-steps")).toEqual(["5"]);
    expect(option(args, "--baseline-adapter")).toEqual(["/default-adapter"]);
    expect(option(args, "--init-adapter")).toEqual(["/default-adapter"]);
    expect(fromDefault).toBe("/default-adapter");
    expect(args).not.toContain("--no-eval");
  });

  it("starts from fresh weights with --from-scratch, --rank or --layers, or without a default adapter", () => {
    for (const flags of [["--from-scratch"], ["--rank", "8"], ["--layers", "4"]]) {
      const { args, fromDefault } = trainerArgs(values(...flags), inputs, fresh, "/out");
      expect(fromDefault).toBeNull();
      expect(args).not.toContain("--init-adapter");
    }
    const { args } = trainerArgs(values(), { ...inputs, defaultAdapter: null }, fresh, "/out");
    expect(args).not.toContain("--init-adapter");
    expect(args).not.toContain("--baseline-adapter");
  });

  it("starts from fresh weights when the dataset is in another prompt order, still scored against the default", () => {
    const { args, fromDefault } = trainerArgs(values(), inputs, fresh, "/out", true);
    expect(fromDefault).toBeNull();
    expect(args).not.toContain("--init-adapter");
    expect(option(args, "--baseline-adapter")).toEqual([inputs.defaultAdapter]);
  });

  it("continues the previous adapter for an update, with its config and scaled length, scored later", () => {
    const { args, fromDefault } = trainerArgs(values(), inputs, update, "/out");
    expect(option(args, "--dataset")).toEqual(["/ds-update"]);
    expect(option(args, "--config")).toEqual(["/ds-update/update-config.json"]);
    expect(option(args, "--max-steps")).toEqual(["6"]);
    expect(option(args, "--budget-seconds")).toEqual(["150"]);
    expect(option(args, "--init-adapter")).toEqual(["/adapters/r/prev"]);
    expect(args).toContain("--no-eval");
    expect(fromDefault).toBeNull();
    // The user's --steps wins over the scaled length.
    expect(option(trainerArgs(values("--steps", "2"), inputs, update, "/out").args, "--max-steps")).toEqual([
      "2",
    ]);
  });
});

describe("trainerFailure", () => {
  const result = (error: TrainerResult["error"], exitCode = 1): TrainerResult => ({
    exitCode,
    done: null,
    error,
    otherStdout: "",
  });

  it("names cancellation, the trainer's error and what stays active", () => {
    const cancelled = trainerFailure(result({ event: "error", code: "CANCELLED", message: "x" }), "r/prev");
    expect([cancelled.code, cancelled.message]).toEqual([
      "CANCELLED",
      "Training cancelled; no adapter was written. r/prev stays active.",
    ]);
    const oom = trainerFailure(result({ event: "error", code: "OOM", message: "CUDA ran out" }), null);
    expect([oom.code, oom.message]).toEqual(["TRAINER_FAILED", "Training failed (OOM): CUDA ran out"]);
    expect(oom.hint).toMatch(/Lower --max-tokens/);
    const crashed = trainerFailure(result(null, 139), "r/prev");
    expect(crashed.message).toBe(
      "Training failed (TRAINER_FAILED): the trainer exited with 139; r/prev stays active.",
    );
    expect(crashed.hint).toBeUndefined();
  });
});
