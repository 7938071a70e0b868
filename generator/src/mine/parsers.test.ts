import { describe, expect, it } from "vitest";
import { repoName } from "../../../runtime/src/contracts/registry.ts";
import { countLines, parseAddedLines } from "./diff.ts";
import { isBulkCommit, parseCommit } from "./history.ts";

describe("git output parsers", () => {
  it("reads added line ranges at HEAD from a zero-context diff", () => {
    const diff = [
      "diff --git a/src/a b.ts b/src/a b.ts",
      "--- a/src/a b.ts",
      "+++ b/src/a b.ts\t",
      "@@ -3,0 +4,2 @@ function f() {",
      "+one",
      "+two",
      "@@ -10 +12 @@",
      "-old",
      "+new",
      "@@ -20,3 +22,0 @@",
      "diff --git a/gone.ts b/gone.ts",
      "--- a/gone.ts",
      "+++ /dev/null",
      "@@ -1,2 +0,0 @@",
    ].join("\n");
    const added = parseAddedLines(diff);
    expect([...added.keys()]).toEqual(["src/a b.ts"]);
    expect(added.get("src/a b.ts")).toEqual([
      { start: 3, end: 5 },
      { start: 11, end: 12 },
    ]);
    expect(countLines(added.get("src/a b.ts")!)).toBe(3);
  });

  it("parses a numstat log record, binary files counting zero", () => {
    const commit = parseCommit(
      `${"a".repeat(40)} 1700000000 ${"b".repeat(40)}\0\n2\t1\tsrc/x.ts\0-\t-\tlogo.png\0`,
    );
    expect(commit).toMatchObject({
      hash: "a".repeat(40),
      time: 1700000000,
      parents: ["b".repeat(40)],
      added: 2,
      deleted: 1,
    });
    expect(commit.files.map((f) => f.path)).toEqual(["src/x.ts", "logo.png"]);
  });

  it("flags bulk adds, mass edits and moves, not ordinary commits", () => {
    const make = (files: Array<[number, number]>) =>
      parseCommit(`h 1 p\0\n${files.map(([a, d], i) => `${a}\t${d}\tf${i}\0`).join("")}`);
    expect(isBulkCommit(make([[30, 5]]))).toBe(false);
    expect(isBulkCommit(make([[2500, 0]]))).toBe(true);
    expect(isBulkCommit(make(Array.from({ length: 61 }, () => [1, 1] as [number, number])))).toBe(true);
    expect(
      isBulkCommit(
        make([
          [300, 0],
          [0, 290],
        ]),
      ),
    ).toBe(true);
    expect(isBulkCommit(make([[300, 0]]))).toBe(false);
  });

  it("names repos by their remote", () => {
    expect(repoName("git@github.com:o/shop.git", "/x/y")).toBe("shop");
    expect(repoName(null, "/x/my-repo")).toBe("my-repo");
  });
});
