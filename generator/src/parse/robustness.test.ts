/** Syntax errors, non-ASCII text, span caps, determinism and the line-based fallback. */

import { describe, expect, it } from "vitest";
import { Parser } from "web-tree-sitter";
import { loadLanguage } from "./loader.ts";
import { parseSource } from "./parse.ts";
import type { ParsedFile, Span } from "./types.ts";

function texts(parsed: ParsedFile, source: string, kind?: Span["kind"]): string[] {
  return parsed.spans
    .filter((s) => kind === undefined || s.kind === kind)
    .map((s) => source.slice(s.start, s.end));
}

/** ERROR and MISSING ranges found with a parser of our own, not with the code under test. */
async function errorRanges(source: string, language: string): Promise<Array<[number, number]>> {
  const parser = new Parser();
  parser.setLanguage(await loadLanguage(language));
  const tree = parser.parse(source)!;
  const ranges: Array<[number, number]> = [];
  const cursor = tree.walk();
  let more = true;
  while (more) {
    if (cursor.currentNode.isError || cursor.currentNode.isMissing)
      ranges.push([cursor.startIndex, cursor.endIndex]);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        more = false;
        break;
      }
    }
  }
  cursor.delete();
  tree.delete();
  parser.delete();
  return ranges;
}

describe("files with syntax errors", () => {
  it.each([
    [
      "javascript",
      "function ok(a) {\n  const x = a + 1;\n  return x;\n}\n\nfunction broken(b) {\n  const y = (b + ;\n  foo(1, 2);\n}\n\nconst z = ok(2);\n",
      ["const x = a + 1;", "return x;", "const z = ok(2);", "a + 1"],
    ],
    [
      "python",
      "def ok(a):\n    x = a + 1\n    return x\n\n\ndef broken(b):\n    y = b + * 2\n    return y\n\n\nz = ok(2)\n",
      ["x = a + 1", "return x", "z = ok(2)", "ok(2)"],
    ],
    [
      "go",
      "package a\n\nfunc ok(a int) int {\n\tx := a + 1\n\treturn x\n}\n\nfunc broken( {\n\ty := \n}\n\nvar z = ok(2)\n",
      ["x := a + 1", "return x", "a + 1"],
    ],
  ])("%s: spans from the valid parts, none touching an error", async (language, source, valid) => {
    const parsed = await parseSource(source, language);
    const errors = await errorRanges(source, language);
    expect(errors.length).toBeGreaterThan(0);
    expect(parsed.errorCount).toBe(errors.length);
    const found = texts(parsed, source);
    for (const text of valid) expect(found).toContain(text);
    for (const span of parsed.spans) {
      for (const [a, b] of errors) {
        const touches = a === b ? span.start <= a && a <= span.end : span.start < b && a < span.end;
        expect(touches, `${span.kind} ${JSON.stringify(source.slice(span.start, span.end))}`).toBe(false);
      }
    }
  });

  it("still reports definitions and imports of a broken file", async () => {
    const source = 'import { a } from "./a";\nexport function fine() {\n  return a;\n}\nconst = ;\n';
    const parsed = await parseSource(source, "typescript");
    expect(parsed.errorCount).toBeGreaterThan(0);
    expect(parsed.imports).toEqual(["./a"]);
    expect(parsed.definitions.map((d) => d.name)).toContain("fine");
  });
});

describe("offsets are string indices", () => {
  it.each([
    [
      "typescript",
      'const 名前 = "😀 emoji 🎉";\n// 中文注释 👍\nconst total = sum(名前, "é", 2);\n',
      'sum(名前, "é", 2)',
      '名前, "é", 2',
    ],
    ["python", '# 😀 コメント\nnom = "ü🎉"\nx = f(nom, "é", 2)\n', 'f(nom, "é", 2)', 'nom, "é", 2'],
    [
      "rust",
      "fn main() {\n    let s = \"😀😀\";\n    let n = count(s, 'é');\n}\n",
      "count(s, 'é')",
      "s, 'é'",
    ],
  ])("%s: spans after emoji and CJK slice to the right text", async (language, source, expression, args) => {
    const parsed = await parseSource(source, language);
    const call = parsed.spans.find((s) => s.kind === "expression" && s.start === source.indexOf(expression));
    expect(call).toBeDefined();
    expect(source.slice(call!.start, call!.end)).toBe(expression);
    const inside = parsed.spans.find((s) => s.kind === "call_args" && s.start === source.indexOf(args));
    expect(inside && source.slice(inside.start, inside.end)).toBe(args);
    for (const span of parsed.spans) {
      // Never between the two halves of a surrogate pair.
      expect(source.charCodeAt(span.start) & 0xfc00).not.toBe(0xdc00);
      expect(source.charCodeAt(span.end) & 0xfc00).not.toBe(0xdc00);
    }
  });
});

describe("options and determinism", () => {
  const source = [
    "export function long(a: number): number {",
    ...Array.from({ length: 70 }, (_, i) => `  a = a + ${i};`),
    "  return a;",
    "}",
    "",
  ].join("\n");

  it("drops spans longer than the caps (default 60 lines)", async () => {
    const all = await parseSource(source, "typescript", { maxLines: 1000, maxChars: 100_000 });
    const capped = await parseSource(source, "typescript");
    expect(texts(all, source, "block")).toHaveLength(1);
    expect(texts(capped, source, "block")).toEqual([]);
    const tiny = await parseSource(source, "typescript", { maxLines: 1, maxChars: 12 });
    expect(tiny.spans.length).toBeGreaterThan(0);
    for (const text of texts(tiny, source)) {
      expect(text.length).toBeLessThanOrEqual(12);
      expect(text).not.toContain("\n");
    }
  });

  it("gives the same output every time", async () => {
    const first = await parseSource(source, "typescript");
    const second = await parseSource(source, "typescript");
    expect(second).toEqual(first);
    const keys = first.spans.map((s) => `${s.kind}:${s.start}:${s.end}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("handles empty and whitespace-only files", async () => {
    for (const language of ["typescript", "python", "text"]) {
      expect((await parseSource("", language)).spans).toEqual([]);
      expect((await parseSource("  \n\n\t\n", language)).spans).toEqual([]);
    }
  });
});

describe("text fallback", () => {
  const source = "# RepoLoRA\n\nkey = value\nname: RepoLoRA 🎉\n- item one\n\n  indented line\n";

  it("cuts whole lines and rests of lines", async () => {
    const parsed = await parseSource(source, "text");
    expect(parsed).toMatchObject({ language: "text", definitions: [], imports: [], errorCount: 0 });
    const lines = texts(parsed, source, "lines");
    expect(lines).toContain("key = value");
    expect(lines).toContain("key = value\nname: RepoLoRA 🎉");
    expect(lines).toContain("key = value\nname: RepoLoRA 🎉\n- item one");
    // Indentation stays in the prefix, as for blocks.
    expect(lines).toContain("indented line");
    // Whole lines: each starts at its line's first character and ends at its last.
    for (const span of parsed.spans.filter((s) => s.kind === "lines")) {
      expect(source.slice(source.lastIndexOf("\n", span.start - 1) + 1, span.start).trim()).toBe("");
      expect(source[span.end]).toBe("\n");
    }
    const rests = texts(parsed, source, "rest_of_line");
    expect(rests).toEqual(expect.arrayContaining(["value", "RepoLoRA 🎉", "item one", "RepoLoRA", "line"]));
    for (const text of rests) expect(text).not.toContain("\n");
  });
});
