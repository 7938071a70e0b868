import { describe, expect, it } from "vitest";
import type { PreviousAdapter } from "../update.ts";
import { checkUpdateRank } from "./inputs.ts";

const previous = { entry: { rank: 16 } } as unknown as PreviousAdapter;

describe("checkUpdateRank", () => {
  it("accepts no --rank or the previous adapter's rank, and refuses another", () => {
    expect(() => checkUpdateRank(previous, undefined)).not.toThrow();
    expect(() => checkUpdateRank(previous, "16")).not.toThrow();
    expect(() => checkUpdateRank(previous, "8")).toThrow(
      /--rank 8 differs from the active adapter's rank \(16\)/,
    );
    expect(() => checkUpdateRank(previous, "0")).toThrow(/--rank must be a number ≥ 1/);
  });
});
