/** Which weights a new adapter starts from: one rule for `repolora train` and `repolora bench`. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startingAdapter, trainingTemplate } from "../generator/src/train/default-system.ts";

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
    [
      "a dataset in another prompt order than the default's",
      "/default",
      { ...fresh, otherTemplate: true },
      null,
    ],
  ] as const)("%s", (_, defaultAdapter, asked, expected) => {
    expect(startingAdapter(defaultAdapter, asked)).toBe(expected);
  });
});

describe("trainingTemplate", () => {
  const root = mkdtempSync(join(tmpdir(), "repolora-template-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const bundle = (name: string, template: string | null): string => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "repolora.json"), JSON.stringify(template ? { prompt: { template } } : {}));
    return dir;
  };
  const spmDefault = bundle("default-spm", "qwen2.5-coder-spm");
  const psmDefault = bundle("default-psm", "qwen2.5-coder");
  const oldAdapter = bundle("old", null);
  const base = "Qwen/Qwen2.5-Coder-0.5B";

  it.each([
    ["no default adapter: the base model's native order", null, null, "qwen2.5-coder"],
    ["a new adapter speaks its default adapter's order", spmDefault, null, "qwen2.5-coder-spm"],
    ["a PSM default keeps PSM", psmDefault, null, "qwen2.5-coder"],
    ["an update keeps its adapter's order over the default's", spmDefault, psmDefault, "qwen2.5-coder"],
    ["an update of a bundle that records none: the native order", spmDefault, oldAdapter, "qwen2.5-coder"],
  ] as const)("%s", (_, defaultAdapter, previous, expected) => {
    expect(trainingTemplate(base, defaultAdapter, previous)).toBe(expected);
  });

  it("refuses a default adapter that records an unknown template", () => {
    expect(() => trainingTemplate(base, bundle("odd", "made-up"))).toThrow(/made-up/);
  });
});
