/**
 * The completion post-processing shared by the runtime and the extension, rule by rule. The whole chain over
 * scripted model output is also tested where it runs: runtime/src/complete/stop-rules.test.ts (with the stop
 * rules) and extension/src/core/pipeline.test.ts (as ghost text).
 */
import { describe, expect, it } from "vitest";
import {
  finishCompletion,
  firstSuffixLine,
  shownCompletion,
  stopAtRepeatedLines,
  stopAtSuffix,
  trimLineSuffixOverlap,
} from "./postprocess.ts";

describe("trimLineSuffixOverlap", () => {
  const cases: Array<[string, string, string, string]> = [
    ["closing paren", "a, b)", ")\n", "a, b"],
    ["paren and semicolon", "a, b);", ");\n", "a, b"],
    ["own parentheses kept", "bar()", ")\n", "bar()"],
    ["a balanced call before the suffix's paren loses only the extra paren", "len(xs))", ")\n", "len(xs)"],
    ["partial overlap", "x)", "));\n", "x"],
    ["quote closed by the suffix", 'hello"', '";\n', "hello"],
    ["quote and paren closed by the suffix", 'data.txt")', '")\n', "data.txt"],
    ["quote the completion opened itself", 'say("hi"', '")\n', 'say("hi"'],
    ["nothing after the cursor", "a + b;", "\n", "a + b;"],
    ["completion equal to the rest of the line", ");", ");\n", ""],
    ["a long repeated rest of the line goes even when balanced", "v ?? fallback;", " ?? fallback;\n", "v"],
    ["a short plain repeat may be the completion's own", "a + x;", "x;\n", "a + x;"],
    // The rest of the line follows the completion's last line once inserted, so only the end is trimmed.
    ["a multi-line completion is trimmed at its end", "\n  return 1;\n}", "}\n", "\n  return 1;"],
    ["a multi-line completion's first line is left alone", "a)\nfoo();", ")\n", "a)\nfoo();"],
    [
      "ends before closing a bracket the line already closes (auto-closed)",
      "user, options);",
      ")\n",
      "user, options",
    ],
    ["the same on a multi-line completion's last line", "a,\n  b);", ")\n", "a,\n  b"],
    [
      "keeps what closes its own brackets, and a bracket of another kind",
      "f(x) + g[0]",
      ")\n",
      "f(x) + g[0]",
    ],
    [
      "a brace the completion opened on an earlier line is its own",
      "\n  if (a) {\n    b();\n  }",
      "}\n",
      "\n  if (a) {\n    b();\n  }",
    ],
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
  it("compares with the first non-blank suffix line below the cursor's line", () => {
    expect(firstSuffixLine(")\n\n  next();  \n")).toBe("  next();");
    expect(firstSuffixLine("only the cursor line")).toBeNull();
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

describe("finishCompletion", () => {
  it("drops trailing whitespace, blank lines and a cut character", () => {
    expect(finishCompletion("42;  \n\n", "\n", true)).toBe("42;");
    expect(finishCompletion("caf\uFFFD", "", false)).toBe("caf");
  });
  it("normalises Windows line endings and keeps one line for a single-line request", () => {
    expect(finishCompletion("a();\r\n  b();", "\n}", true)).toBe("a();\n  b();");
    expect(finishCompletion("a + b;\nnext();", "\n", false)).toBe("a + b;");
  });
  it("stops at the suffix's next line, then trims the rest-of-line overlap", () => {
    expect(finishCompletion("\n  return 1;\n}\n", "\n}\n", true)).toBe("\n  return 1;");
    expect(finishCompletion("id, { cache: true });  ", ");\n", false)).toBe("id, { cache: true }");
  });
  it("is idempotent: the extension applies it again to the runtime's answer", () => {
    const once = finishCompletion("len(xs))\n", ")\n", false);
    expect(finishCompletion(once, ")\n", false)).toBe(once);
  });
});

describe("shownCompletion", () => {
  it("shows nothing for whitespace, or for text that only repeats what follows the cursor", () => {
    expect(shownCompletion("   \n  ", "\n", false)).toBeNull();
    expect(shownCompletion(");", ");\n", false)).toBeNull();
    expect(shownCompletion("x", "x = 1;\n", false)).toBeNull();
  });
  it("shows the finished completion otherwise", () => {
    expect(shownCompletion("user.name)", ")\n", false)).toBe("user.name");
  });
});
