import { describe, expect, it } from "vitest";
import {
  restOfLineIsClosers,
  shouldBeMultiline,
  stopAtRepeatedLines,
  stopAtSuffix,
  trimLineSuffixOverlap,
} from "./postprocess.ts";

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

describe("trimLineSuffixOverlap", () => {
  const cases: Array<[string, string, string, string]> = [
    ["closing paren", "a, b)", ")\n", "a, b"],
    ["paren and semicolon", "a, b);", ");\n", "a, b"],
    ["own parentheses kept", "bar()", ")\n", "bar()"],
    ["partial overlap", "x)", "));\n", "x"],
    ["quote closed by the suffix", 'hello"', '";\n', "hello"],
    ["quote the completion opened itself", 'say("hi"', '")\n', 'say("hi"'],
    ["nothing after the cursor", "a + b;", "\n", "a + b;"],
    ["completion equal to the rest of the line", ");", ");\n", ""],
    ["only the first line is trimmed", "a)\nfoo();", ")\n", "a\nfoo();"],
  ];
  for (const [name, text, suffix, expected] of cases) {
    it(name, () => expect(trimLineSuffixOverlap(text, suffix)).toBe(expected));
  }
});

describe("stopAtSuffix", () => {
  it("cuts where the completion reaches the first line below the cursor, indentation included", () => {
    expect(stopAtSuffix("a();\n}\n", "\n}\n")).toBe("a();");
    expect(stopAtSuffix("if (x) {\n    a();\n  }\n}", "\n}\n")).toBe("if (x) {\n    a();\n  }");
  });
  it("leaves the first line alone and copes with an empty suffix", () => {
    expect(stopAtSuffix("}", "\n}")).toBe("}");
    expect(stopAtSuffix("a();\nb();", "")).toBe("a();\nb();");
  });
});

describe("stopAtRepeatedLines", () => {
  it("keeps only the first line of a run of three identical lines", () => {
    expect(stopAtRepeatedLines("a\nx\nx\nx\nx")).toBe("a\nx");
  });
  it("keeps blank-line runs and two repeats", () => {
    expect(stopAtRepeatedLines("a\n\n\n\nb")).toBe("a\n\n\n\nb");
    expect(stopAtRepeatedLines("x\nx\ny")).toBe("x\nx\ny");
  });
});
