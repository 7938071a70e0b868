import { describe, expect, it } from "vitest";
import { deadlineAfter } from "./deadline.ts";

describe("deadlineAfter (fake clock)", () => {
  it("turns true once the milliseconds from its creation are spent", () => {
    let now = 1_000;
    const expired = deadlineAfter(250, () => now);
    expect(expired?.()).toBe(false);
    now = 1_249;
    expect(expired?.()).toBe(false);
    now = 1_250;
    expect(expired?.()).toBe(true);
  });

  it("0 ms is spent at once; no cap is no deadline", () => {
    expect(deadlineAfter(0, () => 5)?.()).toBe(true);
    expect(deadlineAfter(undefined)).toBeUndefined();
  });
});
