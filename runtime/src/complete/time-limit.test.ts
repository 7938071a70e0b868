import { describe, expect, it } from "vitest";
import { trimTimedOut } from "./time-limit.ts";

describe("trimTimedOut: a completion cut by the time cap", () => {
  const cases: Array<{ description: string; text: string; multiline: boolean; expected: string }> = [
    {
      description: "single-line: a partial identifier is dropped",
      text: "user.getUs",
      multiline: false,
      expected: "user.",
    },
    {
      description: "single-line: ends after punctuation, kept",
      text: "fetch(url, ",
      multiline: false,
      expected: "fetch(url, ",
    },
    {
      description: "single-line: a partial number is dropped",
      text: "retry(12",
      multiline: false,
      expected: "retry(",
    },
    {
      description: "single-line: only a partial word → nothing",
      text: "items",
      multiline: false,
      expected: "",
    },
    {
      description: "non-ASCII identifier characters count as word",
      text: "x = größ",
      multiline: false,
      expected: "x = ",
    },
    {
      description: "a trailing half character is dropped",
      text: 's = "caf\uFFFD',
      multiline: false,
      expected: 's = "',
    },
    {
      description: "multi-line: the unfinished last line goes, whole lines stay",
      text: "\n  const a = 1;\n  return a +",
      multiline: true,
      expected: "\n  const a = 1;",
    },
    {
      description: "multi-line with only the (empty) cursor line whole: the word rule on the rest",
      text: "\n  return tot",
      multiline: true,
      expected: "\n  return ",
    },
    {
      description: "multi-line without a newline: the word rule",
      text: "if (ready",
      multiline: true,
      expected: "if (",
    },
    { description: "empty stays empty", text: "", multiline: true, expected: "" },
  ];
  for (const c of cases) {
    it(c.description, () => {
      expect(trimTimedOut(c.text, c.multiline)).toBe(c.expected);
    });
  }
});
