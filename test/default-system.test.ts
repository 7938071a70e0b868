/** Which weights a new adapter starts from: one rule for `repolora train` and `repolora bench`. */
import { describe, expect, it } from "vitest";
import { startingAdapter } from "../generator/src/train/default-system.ts";

describe("startingAdapter", () => {
  const fresh = { isUpdate: false, fromScratch: false, shapeGiven: false };
  it.each([
    ["a default adapter, nothing asked: starts from it", "/default", fresh, "/default"],
    ["no default adapter for the base: fresh weights", null, fresh, null],
    ["an update continues its own adapter instead", "/default", { ...fresh, isUpdate: true }, null],
    ["--from-scratch", "/default", { ...fresh, fromScratch: true }, null],
    [
      "an explicit --rank/--layers the default's shape may not meet",
      "/default",
      { ...fresh, shapeGiven: true },
      null,
    ],
  ] as const)("%s", (_, defaultAdapter, asked, expected) => {
    expect(startingAdapter(defaultAdapter, asked)).toBe(expected);
  });
});
