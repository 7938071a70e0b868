import { describe, expect, it } from "vitest";
import { RepoLoraError } from "../../util/errors.ts";
import { DEFAULT_REPLAY, DEFAULT_TOLERANCE } from "../update.ts";
import { parseTrainFlags } from "./flags.ts";

const refusal = (args: string[]): string => {
  try {
    parseTrainFlags(args);
  } catch (error) {
    expect(error).toBeInstanceOf(RepoLoraError);
    expect((error as RepoLoraError).code).toBe("BAD_ARGUMENT");
    return (error as RepoLoraError).message;
  }
  throw new Error(`accepted ${args.join(" ")}`);
};

describe("parseTrainFlags", () => {
  it("takes one repository and the update defaults", () => {
    const flags = parseTrainFlags(["repo", "--steps", "3", "--json"]);
    expect(flags).toMatchObject({ repo: "repo", json: true, update: false });
    expect(flags.replay).toBe(DEFAULT_REPLAY);
    expect(flags.tolerance).toBe(DEFAULT_TOLERANCE);
    expect(flags.values.steps).toBe("3");
    expect(parseTrainFlags(["."]).json).toBe(false);
  });

  it("reads --replay and a negative --tolerance with --update", () => {
    const flags = parseTrainFlags([".", "--update", "--replay", "0.5", "--tolerance=-0.02"]);
    expect(flags).toMatchObject({ update: true, replay: 0.5, tolerance: -0.02 });
  });

  it("refuses what needs no repository to be wrong", () => {
    expect(refusal([])).toMatch(/exactly one repository/);
    expect(refusal(["a", "b"])).toMatch(/exactly one repository/);
    expect(refusal([".", "--replay", "0.2"])).toMatch(/only apply with --update/);
    expect(refusal([".", "--tolerance", "0.2"])).toMatch(/only apply with --update/);
    expect(refusal([".", "--update", "--replay", "1"])).toMatch(/--replay must be below 1/);
    expect(refusal([".", "--update", "--replay=-0.1"])).toMatch(/--replay must be a number ≥ 0/);
    expect(refusal([".", "--update", "--tolerance", "2"])).toMatch(/--tolerance must be in \[-1, 1\]/);
    expect(refusal([".", "--update", "--tolerance=-2"])).toMatch(/--tolerance must be a number ≥ -1/);
    expect(refusal([".", "--bogus"])).toMatch(/Unknown option '--bogus'/);
  });
});
