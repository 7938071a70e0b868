import { describe, expect, it } from "vitest";
import { type PrefilterSettings, type UnshowableReason, unshowableReason } from "./prefilter.ts";

const CURSOR = "<|cursor|>";
const ON: PrefilterSettings = { skipUnshowable: true, maxLineSuffixChars: 8 };

const CASES: Array<{ description: string; file: string; expected: UnshowableReason | null }> = [
  { description: "end of line", file: `const a = ${CURSOR}\nnext();`, expected: null },
  { description: "end of file", file: `const a = ${CURSOR}`, expected: null },
  { description: "only closers after the cursor", file: `foo(bar(${CURSOR}));\n`, expected: null },
  { description: "closing quote and semicolon", file: `const s = "${CURSOR}";\n`, expected: null },
  { description: "inside a word", file: `const na${CURSOR}me = 1;\n`, expected: "mid-word" },
  { description: "inside a number", file: `const n = 12${CURSOR}34;\n`, expected: "mid-word" },
  { description: "non-ASCII word", file: `const grö${CURSOR}ße = 1;\n`, expected: "mid-word" },
  { description: "start of a word, after a space", file: `const a = ${CURSOR}b;\n`, expected: null },
  { description: "end of a word before a space", file: `return x${CURSOR} + y;\n`, expected: null },
  {
    description: "short text right of the cursor (6 counted)",
    file: `f(${CURSOR}, second)\n`,
    expected: null,
  },
  {
    description: "much text right of the cursor",
    file: `const value = ${CURSOR} computeSomething(a, b);\n`,
    expected: "mid-line",
  },
  {
    description: "closers and spaces are not counted",
    file: `call(${CURSOR}   ) ] } ) ; , " ' \`\n`,
    expected: null,
  },
  {
    description: "only the cursor's line counts",
    file: `x = ${CURSOR}\nveryLongNextLine(a, b, c);`,
    expected: null,
  },
];

describe("unshowableReason: which cursor positions are not sent to the model", () => {
  for (const c of CASES) {
    it(`${c.description} → ${c.expected ?? "asked"}`, () => {
      const at = c.file.indexOf(CURSOR);
      const prefix = c.file.slice(0, at);
      const suffix = c.file.slice(at + CURSOR.length);
      expect(unshowableReason(prefix, suffix, ON)).toBe(c.expected);
      // Turned off, every position is asked.
      expect(unshowableReason(prefix, suffix, { ...ON, skipUnshowable: false })).toBeNull();
    });
  }

  it("the threshold is a setting: 0 skips any text but closers", () => {
    expect(unshowableReason("f(", "x)\n", { skipUnshowable: true, maxLineSuffixChars: 0 })).toBe("mid-line");
    expect(unshowableReason("f(", "x)\n", ON)).toBeNull();
  });
});
