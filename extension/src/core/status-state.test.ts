import { describe, expect, it } from "vitest";
import type { InitializeResult } from "./runtime-supervisor.ts";
import { type StatusInputs, statusState } from "./status-state.ts";

const ready = (active: boolean) =>
  ({ kind: "ready", info: { defaultAdapter: { active } } as unknown as InitializeResult }) as const;

const base: StatusInputs = {
  modelFound: true,
  cliFound: true,
  setup: { kind: "idle" },
  training: false,
  runtime: { kind: "stopped" },
  binding: "default",
};

describe("statusState", () => {
  it.each<[string, Partial<StatusInputs>, string, string]>([
    ["no model package and no set-up yet", { modelFound: false }, "no-model", "no model"],
    ["the set-up runs", { modelFound: false, setup: { kind: "running" } }, "setup", "setting up model…"],
    [
      "the set-up failed",
      { modelFound: false, setup: { kind: "failed", error: "offline" } },
      "error",
      "error",
    ],
    ["the default system, runtime not started", {}, "default", "default"],
    ["the default system with its adapter", { runtime: ready(true) }, "default", "default"],
    [
      "the runtime refused the default adapter",
      { runtime: ready(false) },
      "default",
      "base (no default adapter)",
    ],
    ["an adapter of its own", { binding: "myrepo" }, "adapter", "adapter myrepo"],
    ["a weighted stack", { binding: "myrepo ×0.5 + org" }, "adapter", "adapter myrepo ×0.5 + org"],
    [
      "training while the adapter serves",
      { binding: "myrepo", training: true },
      "training",
      "training · adapter myrepo",
    ],
    ["completions off for the folder", { binding: "off" }, "off", "off"],
    ["the runtime gave up", { runtime: { kind: "failed", lastError: "boom" } }, "error", "error"],
    ["no CLI", { cliFound: false }, "error", "error"],
  ])("%s", (_, change, kind, label) => {
    const view = statusState({ ...base, ...change });
    expect(view.kind).toBe(kind);
    expect(view.label).toBe(label);
  });

  it("sends a click to the set-up without a model, to the log after a crash, else to the menu", () => {
    expect(statusState({ ...base, modelFound: false }).command).toBe("repolora.setupModel");
    expect(statusState({ ...base, runtime: { kind: "failed", lastError: "boom" } })).toMatchObject({
      command: "repolora.showLog",
      detail: "boom",
    });
    expect(statusState(base).command).toBe("repolora.menu");
  });
});
