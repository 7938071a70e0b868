import { describe, expect, it } from "vitest";
import { listOption, numberOption } from "./args.ts";

describe("CLI option helpers", () => {
  it("splits comma lists, trimming and dropping empty items", () => {
    expect(listOption("typescript, python,,go ")).toEqual(["typescript", "python", "go"]);
    expect(listOption(undefined)).toBeNull();
  });

  it("reads numbers with a lower bound and names the option when refusing", () => {
    expect(numberOption("steps", "12", 0, 1)).toBe(12);
    expect(numberOption("steps", undefined, 7)).toBe(7);
    expect(() => numberOption("steps", "0", 0, 1)).toThrow(/--steps must be a number ≥ 1/);
  });
});
