import { describe, expect, it } from "vitest";
import { CompletionCache } from "./completion-cache.ts";
import { LruMap } from "./lru.ts";

const scope = "model|base|single";

describe("CompletionCache", () => {
  it("returns an exact hit", () => {
    const cache = new CompletionCache();
    cache.set({ scope, prefix: "const a = ", suffix: "\n" }, "items.length;");
    expect(cache.get({ scope, prefix: "const a = ", suffix: "\n" })).toEqual({
      text: "items.length;",
      walkedBack: 0,
    });
  });

  it("walks back over characters typed into the suggestion", () => {
    const cache = new CompletionCache();
    cache.set({ scope, prefix: "x\nconst a = ", suffix: "\n" }, "items.length;");
    expect(cache.get({ scope, prefix: "x\nconst a = ite", suffix: "\n" })).toEqual({
      text: "ms.length;",
      walkedBack: 3,
    });
  });

  it("misses when the typed text diverges from the suggestion", () => {
    const cache = new CompletionCache();
    cache.set({ scope, prefix: "const a = ", suffix: "\n" }, "items.length;");
    expect(cache.get({ scope, prefix: "const a = itx", suffix: "\n" })).toBeNull();
  });

  it("misses once the whole suggestion was typed", () => {
    const cache = new CompletionCache();
    cache.set({ scope, prefix: "a = ", suffix: "" }, "1;");
    expect(cache.get({ scope, prefix: "a = 1;", suffix: "" })).toBeNull();
  });

  it("never walks back across a line break (walk-forward off)", () => {
    const cache = new CompletionCache({ forwardAnchors: 0 });
    cache.set({ scope, prefix: "a = ", suffix: "" }, "1;\nb = 2;");
    expect(cache.get({ scope, prefix: "a = 1;\nb", suffix: "" })).toBeNull();
  });

  it("keeps scopes apart: another adapter does not get this one's completions", () => {
    const cache = new CompletionCache();
    cache.set({ scope, prefix: "a = ", suffix: "" }, "1;");
    expect(cache.get({ scope: "model|repo@1|single", prefix: "a = ", suffix: "" })).toBeNull();
  });

  it("a different suffix is a different request", () => {
    const cache = new CompletionCache();
    cache.set({ scope, prefix: "a = ", suffix: "\nfoo()" }, "1;");
    expect(cache.get({ scope, prefix: "a = ", suffix: "\nbar()" })).toBeNull();
  });

  it("evicts the least recently used entry beyond its capacity", () => {
    const cache = new CompletionCache({ capacity: 2 });
    cache.set({ scope, prefix: "1", suffix: "" }, "a");
    cache.set({ scope, prefix: "2", suffix: "" }, "b");
    cache.get({ scope, prefix: "1", suffix: "" });
    cache.set({ scope, prefix: "3", suffix: "" }, "c");
    expect(cache.get({ scope, prefix: "2", suffix: "" })).toBeNull();
    expect(cache.get({ scope, prefix: "1", suffix: "" })?.text).toBe("a");
  });
});

describe("CompletionCache walk-forward: typing the first characters of a shown completion", () => {
  interface Case {
    description: string;
    /** The request the completion was made for, and the completion shown. */
    shown: { prefix: string; suffix: string; variant?: string; text: string };
    /** The request after the user typed. */
    now: { prefix: string; suffix: string; variant?: string };
    /** The rest shown without a model call (null = miss), and how many characters were typed into it. */
    expected: { text: string; walkedForward: number } | null;
  }
  const body = "\n  const squared = r * r;\n  return Math.PI * squared;";
  const head = "function area(r) {";
  const CASES: Case[] = [
    {
      description: "through a line break and the auto-indentation of the next line",
      shown: { prefix: head, suffix: "\n}\n", variant: "multi", text: body },
      now: { prefix: `${head}\n  const squared = r * r;\n  `, suffix: "\n}\n", variant: "single" },
      expected: { text: "return Math.PI * squared;", walkedForward: 28 },
    },
    {
      description: "partway into the second line",
      shown: { prefix: head, suffix: "\n}\n", variant: "multi", text: body },
      now: { prefix: `${head}\n  const squared = r * r;\n  return Math`, suffix: "\n}\n", variant: "single" },
      expected: { text: ".PI * squared;", walkedForward: 39 },
    },
    {
      description: "beyond the walk-back's 64 characters on one line",
      shown: { prefix: "const s = ", suffix: "\n", text: `"${"a".repeat(80)}";` },
      now: { prefix: `const s = "${"a".repeat(70)}`, suffix: "\n" },
      expected: { text: `${"a".repeat(10)}";`, walkedForward: 71 },
    },
    {
      description: "typed text that diverges is a miss",
      shown: { prefix: head, suffix: "\n}\n", variant: "multi", text: body },
      now: { prefix: `${head}\n  const squared = r ** 2;\n  `, suffix: "\n}\n", variant: "single" },
      expected: null,
    },
    {
      description: "other indentation on the next line (the editor's, not the completion's) is a miss",
      shown: { prefix: head, suffix: "\n}\n", variant: "multi", text: body },
      now: { prefix: `${head}\n  const squared = r * r;\n    `, suffix: "\n}\n", variant: "single" },
      expected: null,
    },
    {
      description: "typing all of the completion is a miss",
      shown: { prefix: "a = ", suffix: "\n", text: "1;" },
      now: { prefix: "a = 1;", suffix: "\n" },
      expected: null,
    },
    {
      description: "a changed suffix (e.g. an auto-closed bracket) is a miss",
      shown: { prefix: head, suffix: "\n}\n", variant: "multi", text: body },
      now: { prefix: `${head}\n  const squared = (`, suffix: ")\n}\n", variant: "single" },
      expected: null,
    },
    {
      description: "text before the completion's start that changed is a miss",
      shown: { prefix: head, suffix: "\n}\n", variant: "multi", text: body },
      now: { prefix: `function areb(r) {\n  const squared`, suffix: "\n}\n", variant: "single" },
      expected: null,
    },
  ];
  for (const c of CASES) {
    it(c.description, () => {
      const cache = new CompletionCache();
      cache.set({ scope, ...c.shown }, c.shown.text);
      const hit = cache.get({ scope, ...c.now });
      expect(hit && { text: hit.text, walkedForward: hit.walkedForward }).toEqual(c.expected);
      // Another scope (another adapter) never walks into this completion.
      expect(cache.get({ scope: "model|other@1", ...c.now })).toBeNull();
    });
  }

  it("prefers the newest completion made at that position", () => {
    const cache = new CompletionCache();
    cache.set({ scope, prefix: "x = ", suffix: "\n" }, "compute(a);");
    cache.set({ scope, prefix: "x = ", suffix: "\n" }, "compare(b);");
    expect(cache.get({ scope, prefix: "x = com", suffix: "\n" })?.text).toBe("pare(b);");
  });

  it("forgets completions beyond its anchors", () => {
    const cache = new CompletionCache({ forwardAnchors: 1, maxWalkBack: 0 });
    cache.set({ scope, prefix: "a = ", suffix: "" }, "first();");
    cache.set({ scope, prefix: "b = ", suffix: "" }, "second();");
    expect(cache.get({ scope, prefix: "a = fi", suffix: "" })).toBeNull();
    expect(cache.get({ scope, prefix: "b = se", suffix: "" })?.text).toBe("cond();");
  });
});

describe("LruMap", () => {
  it("refuses a capacity below one", () => {
    expect(() => new LruMap(0)).toThrow(/capacity/);
  });
});
