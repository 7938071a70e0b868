import { describe, expect, it } from "vitest";
import { activationDecision } from "./default-system.ts";

const better = { adapterBetter: true, baseline: "default", reason: "NLL lower" };
const worse = {
  adapterBetter: false,
  baseline: "default",
  reason: "NLL interval [-0.1, +0.02] does not lie below 0",
};

describe("activationDecision (stubbed report cards)", () => {
  it.each([
    [
      "a verdict that beats the default system",
      { verdict: better, noEval: false, force: false },
      true,
      /better than the default system/,
    ],
    [
      "a verdict that does not",
      { verdict: worse, noEval: false, force: false },
      false,
      /not better than the default system: NLL interval/,
    ],
    ["no report card (--no-eval)", { verdict: null, noEval: true, force: false }, false, /not scored/],
    ["a missing verdict", { verdict: null, noEval: false, force: false }, false, /not scored/],
    ["--force on an unscored adapter", { verdict: null, noEval: true, force: true }, true, /--force/],
    ["--force on a worse adapter", { verdict: worse, noEval: false, force: true }, true, /--force/],
    [
      "a baseline of the raw base",
      { verdict: { ...better, baseline: "base" }, noEval: false, force: false },
      true,
      /the base model/,
    ],
  ])("%s", (_name, input, activate, reason) => {
    const decision = activationDecision(input);
    expect(decision.activate).toBe(activate);
    expect(decision.reason).toMatch(reason);
  });
});
