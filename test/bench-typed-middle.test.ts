/** bench/quality/typed-middle.ts: the two prompts of "k characters of the middle typed" hold the same text. */
import { describe, expect, it } from "vitest";
import { typedLengths, typedPair } from "../bench/quality/typed-middle.ts";
import type { DatasetRecord } from "../runtime/src/contracts/dataset.ts";
import { buildPrompt, DEFAULT_BUDGET, getTemplate, type TemplateId } from "../runtime/src/prompt/index.ts";

function record(template: TemplateId, middle: string): DatasetRecord {
  const prefix = "def area(r):\n    return ";
  const suffix = "\n\nprint(area(2))\n";
  const fim = getTemplate(template);
  const built = buildPrompt({
    template: fim,
    repoName: "r",
    path: "a.py",
    prefix,
    suffix,
    context: [],
    budget: DEFAULT_BUDGET,
    countTokens: (t) => t.length,
  });
  return {
    schema: 1,
    id: "0123456789abcdef",
    repo: "r",
    path: "a.py",
    language: "python",
    commit: "0".repeat(40),
    split: "eval",
    prefix: built.prefix,
    middle,
    suffix: built.suffix,
    context: [],
    span: { kind: "rest_of_line", startByte: 0, endByte: 1, startLine: 1 },
    prompt: { template, text: built.text, completionEnd: fim.completionEnd, tokens: built.text.length },
  };
}

describe("bench/quality/typed-middle.ts", () => {
  it("moves the typed characters into the prefix (natural) or after the prompt (anchored), same target", () => {
    const r = record("qwen2.5-coder", "3.14159 * r * r");
    const pair = typedPair(r, 5)!;
    expect(pair.natural.middle).toBe("59 * r * r");
    expect(pair.anchored.middle).toBe("59 * r * r");
    expect(pair.natural.id).toBe(pair.anchored.id);
    expect(pair.natural.prompt.text).toContain("    return 3.141<|fim_suffix|>\n\nprint(area(2))");
    expect(pair.natural.prompt.text.endsWith("<|fim_middle|>")).toBe(true);
    expect(pair.anchored.prompt.text).toBe(`${r.prompt.text}3.141`);
    expect(pair.anchored.prompt.text.endsWith("<|fim_middle|>3.141")).toBe(true);
    // Same characters in both prompts, in another order.
    expect([...pair.natural.prompt.text].sort().join("")).toBe(
      [...pair.anchored.prompt.text].sort().join(""),
    );
  });

  it("leaves out an example whose rest is blank, and refuses the prefix-last order", () => {
    expect(typedPair(record("qwen2.5-coder", "x\n  "), 1)).toBeNull();
    expect(() => typedPair(record("qwen2.5-coder-spm", "3.14"), 1)).toThrow(
      /not a prefix-suffix-middle order/,
    );
  });

  it("draws k between 1 and min(|middle| - 1, max) from the seed", () => {
    const records = ["ab", "abcdef", "x".repeat(200)].map((m) => record("qwen2.5-coder", m));
    const ks = typedLengths(records, 7, 64);
    expect(ks).toEqual(typedLengths(records, 7, 64));
    expect(ks[0]).toBe(1);
    expect(ks[1]).toBeGreaterThanOrEqual(1);
    expect(ks[1]).toBeLessThanOrEqual(5);
    expect(ks[2]).toBeLessThanOrEqual(64);
  });
});
