import { describe, expect, it } from "vitest";
import { closest, editDistance } from "./suggest.ts";

describe("did-you-mean", () => {
  it.each([
    ["kitten", "sitting", 3],
    ["pyhton", "python", 1],
    ["", "abc", 3],
    ["same", "same", 0],
  ])("distance(%s, %s) = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it.each([
    ["trian", ["dataset", "train", "eval"], "train"],
    ["--languags", ["--languages", "--out"], "--languages"],
    ["Python", ["python", "php"], "python"],
    ["frobnicate", ["dataset", "train", "eval"], null],
    ["go", ["java", "c"], null],
  ])("closest(%s) = %s", (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });
});
