import { describe, expect, it } from "vitest";
import { restOfLineIsClosers, shouldBeMultiline } from "./multiline.ts";

describe("shouldBeMultiline", () => {
  const cases: Array<[string, string, string, string, boolean]> = [
    ["end of a line ending in {", "function f() {", "\n}", "typescript", true],
    ["between an auto-closed {}", "if (a) {", "}\n", "typescript", true],
    ["blank line below an opener", "function f() {\n  ", "\n}", "typescript", true],
    ["blank line below a plain statement", "const a = 1;\n", "\n", "typescript", false],
    ["after an arrow", "const f = () =>", "\n", "typescript", true],
    ["inside call parentheses", "foo(", ")\n", "typescript", false],
    ["mid statement", "const a = ", "\n", "typescript", false],
    ["python def", "def f(x):", "\n", "python", true],
    ["python blank line in a block", "def f(x):\n    ", "\n", "python", true],
    ["python dict value", 'd = {"a": ', "}\n", "python", false],
    ["python colon ends a comment line", "if ready:  # go", "\n", "python", true],
    ["ruby do block", "items.each do |item|", "\n", "ruby", true],
    ["text after the cursor", "const a", " = 1;\n", "typescript", false],
    ["empty file", "", "", "typescript", false],
  ];
  for (const [name, prefix, suffix, lang, expected] of cases) {
    it(name, () => expect(shouldBeMultiline(prefix, suffix, lang)).toBe(expected));
  }
});

describe("restOfLineIsClosers", () => {
  it("accepts closers and whitespace only", () => {
    expect(restOfLineIsClosers(");\nmore")).toBe(true);
    expect(restOfLineIsClosers("  \n")).toBe(true);
    expect(restOfLineIsClosers("")).toBe(true);
    expect(restOfLineIsClosers("name)")).toBe(false);
  });
});
