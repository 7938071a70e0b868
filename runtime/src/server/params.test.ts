import { describe, expect, it } from "vitest";
import { parseParams } from "./params.ts";

describe("parseParams", () => {
  it("answers BAD_REQUEST naming the missing required field", () => {
    expect(() => parseParams("loadAdapter", { key: "a" })).toThrow(/loadAdapter: params\.dir:/);
    try {
      parseParams("loadAdapter", { key: "a" });
    } catch (error) {
      expect((error as { code: string }).code).toBe("BAD_REQUEST");
    }
  });

  it("returns the validated params", () => {
    expect(parseParams("loadAdapter", { key: "a", dir: "/x" })).toEqual({ key: "a", dir: "/x" });
  });
});
