import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CORE = new URL(".", import.meta.url).pathname;

describe("core/ layering", () => {
  it("no core module imports vscode (the editor glue lives in ../vscode)", () => {
    const offenders = readdirSync(CORE)
      .filter((f) => f.endsWith(".ts"))
      .filter((f) =>
        /from\s+["']vscode["']|require\(["']vscode["']\)/.test(readFileSync(join(CORE, f), "utf8")),
      );
    expect(offenders).toEqual([]);
  });
});
