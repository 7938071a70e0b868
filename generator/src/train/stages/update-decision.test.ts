import { describe, expect, it } from "vitest";
import { compareWithPrevious } from "../update.ts";
import { controlEvalArgs, updateActivation } from "./update-decision.ts";

const report = (updated: number, previous: number) => ({
  examples: 20,
  systems: {
    base: { editSimilarity: 0.3 },
    adapter: { editSimilarity: updated },
    control: { editSimilarity: previous },
  },
});
const kept = "the new adapter /a is kept, and r/prev stays active";

describe("updateActivation (keep-if-not-worse)", () => {
  it("activates an update within the tolerance of the previous adapter", () => {
    const decision = compareWithPrevious(report(0.495, 0.5), 0.01);
    expect(updateActivation(decision, { outGiven: false, kept })).toEqual({
      activate: true,
      reason: "updated edit similarity 0.495 >= previous 0.500 - 0.01",
    });
  });

  it("keeps an update that falls further behind inactive, saying what stays active", () => {
    const decision = compareWithPrevious(report(0.48, 0.5), 0.01);
    const verdict = updateActivation(decision, { outGiven: false, kept });
    expect(verdict.activate).toBe(false);
    expect(verdict.reason).toBe(`updated edit similarity 0.480 is below previous 0.500 - 0.01: ${kept}`);
  });

  it("needs an improvement with a negative tolerance", () => {
    const decision = compareWithPrevious(report(0.51, 0.5), -0.02);
    expect(updateActivation(decision, { outGiven: false, kept }).activate).toBe(false);
  });

  it("does not activate an update written elsewhere with --out", () => {
    const decision = compareWithPrevious(report(0.6, 0.5), 0.01);
    expect(updateActivation(decision, { outGiven: true, kept })).toEqual({
      activate: false,
      reason: "updated edit similarity 0.600 >= previous 0.500 - 0.01, but --out was given: not activated",
    });
  });
});

describe("controlEvalArgs", () => {
  it("scores updated and previous adapter with the config's report settings, in either spelling", () => {
    const tail = (config: Record<string, unknown>) =>
      controlEvalArgs(config, "/ds", "/new", "/prev").slice(7);
    expect(controlEvalArgs({}, "/ds", "/new", "/prev").slice(0, 7)).toEqual([
      ...["eval", "--dataset", "/ds", "--adapter", "/new", "--control", "/prev"],
    ]);
    expect(tail({})).toEqual(["--limit", "100", "--max-new-tokens", "64", "--device", "auto", "--json"]);
    expect(tail({ report_limit: 5, max_new_tokens: 8, device: "cpu" })).toEqual([
      ...["--limit", "5", "--max-new-tokens", "8", "--device", "cpu", "--json"],
    ]);
    expect(tail({ reportLimit: 7, maxNewTokens: 9 }).slice(0, 4)).toEqual([
      "--limit",
      "7",
      "--max-new-tokens",
      "9",
    ]);
  });
});
