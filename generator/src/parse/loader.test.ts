import { describe, expect, it } from "vitest";
import { Language } from "web-tree-sitter";
import { GrammarError, loadGrammar, loadLanguage } from "./loader.ts";

describe("loader", () => {
  it("loads a language once for concurrent callers", async () => {
    const first = loadLanguage("go");
    const second = loadLanguage("go");
    expect(second).toBe(first);
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBeInstanceOf(Language);
    expect(b).toBe(a);
    expect(await loadLanguage("go")).toBe(a);
  });

  it("loads different languages concurrently", async () => {
    // web-tree-sitter mixes up two grammars linked at the same time; the loader must queue them.
    const ids = ["c", "cpp", "php", "ruby", "java", "c_sharp"];
    const languages = await Promise.all(ids.map((id) => loadLanguage(id)));
    expect(new Set(languages).size).toBe(ids.length);
  });

  it("builds one grammar (parser and queries) per language", async () => {
    const [a, b] = await Promise.all([loadGrammar("python"), loadGrammar("python")]);
    expect(b).toBe(a);
    expect(a.language).toBe(await loadLanguage("python"));
    expect(a.spans.captureNames).toContain("block");
    expect(a.tags.captureNames).toContain("import");
  });

  it("rejects an unknown language with a GrammarError, and does not cache the failure", async () => {
    const first = loadLanguage("cobol");
    await expect(first).rejects.toBeInstanceOf(GrammarError);
    const again = loadLanguage("cobol");
    expect(again).not.toBe(first);
    await expect(again).rejects.toThrow(/cobol/);
    await expect(loadGrammar("cobol")).rejects.toThrow(GrammarError);
  });
});

describe("query inheritance", () => {
  it("prepends the inherited language's query of the same name", async () => {
    const { querySource } = await import("./loader.ts");
    const { grammarFiles } = await import("./languages.ts");
    const tsx = await querySource(grammarFiles("tsx").spans);
    const typescript = await querySource(grammarFiles("typescript").spans);
    expect(tsx.startsWith(typescript)).toBe(true);
    expect(tsx).toContain("(jsx_expression (expression) @expression)");
    expect(await querySource(grammarFiles("tsx").tags)).toContain(
      await querySource(grammarFiles("typescript").tags),
    );
  });
});
