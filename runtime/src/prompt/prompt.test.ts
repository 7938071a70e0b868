import { describe, expect, it } from "vitest";
import { buildPrompt, keepHead, keepTail, keepTailAnchored } from "./assemble.ts";
import { identifiersNear, type SymbolIndex, selectContext } from "./context.ts";
import { getTemplate, TEMPLATE_IDS } from "./templates.ts";

/** One token per character: makes budgets easy to reason about in tests. */
const chars = (text: string) => text.length;

describe("FIM templates", () => {
  const parts = {
    repoName: "shop",
    path: "src/a.ts",
    prefix: "const x = ",
    suffix: ";\n",
    context: [{ path: "src/b.ts", text: "export const y = 1;" }],
  };

  it("renders Qwen2.5-Coder's repo-level format", () => {
    expect(getTemplate("qwen2.5-coder").render(parts)).toBe(
      "<|repo_name|>shop\n<|file_sep|>src/b.ts\nexport const y = 1;\n<|file_sep|>src/a.ts\n<|fim_prefix|>const x = <|fim_suffix|>;\n<|fim_middle|>",
    );
  });

  it("renders the suffix-first (SPM) order with Qwen's tokens: suffix block, prefix block, then the middle marker", () => {
    expect(getTemplate("qwen2.5-coder-spm").render(parts)).toBe(
      "<|repo_name|>shop\n<|file_sep|>src/b.ts\nexport const y = 1;\n<|file_sep|>src/a.ts\n<|fim_suffix|>;\n<|fim_prefix|>const x = <|fim_middle|>",
    );
  });

  it("SPM keeps the text before the cursor a prefix of the prompt while typing; PSM does not", () => {
    const typed = { ...parts, prefix: `${parts.prefix}4` };
    const common = (a: string, b: string) => {
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      return i;
    };
    for (const [id, unchangedUpTo] of [
      ["qwen2.5-coder-spm", (t: string) => t.indexOf("<|fim_middle|>")],
      ["qwen2.5-coder", (t: string) => t.indexOf("<|fim_suffix|>")],
    ] as const) {
      const before = getTemplate(id).render(parts);
      expect(common(before, getTemplate(id).render(typed))).toBe(unchangedUpTo(before));
    }
  });

  it("lists the markers it renders, and the SPM order shares the native template's stops", () => {
    for (const id of TEMPLATE_IDS) {
      const text = getTemplate(id).render(parts);
      for (const marker of getTemplate(id).markers) expect(text).toContain(marker);
    }
    expect(getTemplate("qwen2.5-coder-spm").stop).toEqual(getTemplate("qwen2.5-coder").stop);
    expect(getTemplate("qwen2.5-coder-spm").completionEnd).toBe(getTemplate("qwen2.5-coder").completionEnd);
  });

  it("renders StarCoder2's format", () => {
    expect(getTemplate("starcoder2").render(parts)).toBe(
      "<repo_name>shop<file_sep>src/b.ts\nexport const y = 1;\n<file_sep>src/a.ts\n<fim_prefix>const x = <fim_suffix>;\n<fim_middle>",
    );
  });

  it("puts context as comment-headed files for families without file separators", () => {
    expect(getTemplate("codellama").render(parts)).toBe(
      "<PRE> // src/b.ts\nexport const y = 1;\n// src/a.ts\nconst x =  <SUF>;\n <MID>",
    );
    expect(getTemplate("deepseek-coder").render({ ...parts, path: "a.py", context: [] })).toBe(
      "<｜fim▁begin｜>const x = <｜fim▁hole｜>;\n<｜fim▁end｜>",
    );
  });

  it("stops at its own end token", () => {
    for (const id of TEMPLATE_IDS) expect(getTemplate(id).stop).toContain(getTemplate(id).completionEnd);
  });
});

describe("budgeted prompt assembly", () => {
  it("keeps whole lines nearest the cursor", () => {
    expect(keepTail("aaaa\nbbbb\ncccc", 10, chars)).toBe("bbbb\ncccc");
    expect(keepHead("aaaa\nbbbb\ncccc", 10, chars)).toBe("aaaa\nbbbb");
    expect(keepTail("short", 10, chars)).toBe("short");
  });

  it("fits prefix, suffix and context in the budget, suffix capped by its share", () => {
    const template = getTemplate("qwen2.5-coder");
    const prefix = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n");
    const suffix = Array.from({ length: 50 }, (_, i) => `after ${i}`).join("\n");
    const built = buildPrompt({
      template,
      repoName: "r",
      path: "a.ts",
      prefix,
      suffix,
      context: [{ path: "b.ts", text: "x".repeat(30) }],
      budget: { maxTokens: 300, suffixShare: 0.2, contextShare: 0.3 },
      countTokens: chars,
    });
    expect(built.tokens).toBeLessThanOrEqual(300);
    expect(built.suffix.length).toBeLessThanOrEqual(60);
    expect(prefix.endsWith(built.prefix)).toBe(true);
    expect(suffix.startsWith(built.suffix)).toBe(true);
    expect(built.context).toHaveLength(1);
    expect(built.text).toBe(
      template.render({
        repoName: "r",
        path: "a.ts",
        prefix: built.prefix,
        suffix: built.suffix,
        context: built.context,
      }),
    );
  });

  it("drops context that does not fit rather than the prefix", () => {
    const built = buildPrompt({
      template: getTemplate("qwen2.5-coder"),
      repoName: "r",
      path: "a.ts",
      prefix: "p".repeat(150),
      suffix: "",
      context: [{ path: "b.ts", text: "c".repeat(500) }],
      budget: { maxTokens: 250, suffixShare: 0.2, contextShare: 0.3 },
      countTokens: chars,
    });
    expect(built.context).toEqual([]);
    expect(built.prefix).toBe("p".repeat(150));
  });
});

describe("context selection", () => {
  const index: SymbolIndex = {
    byName: new Map([
      [
        "formatPrice",
        [{ name: "formatPrice", path: "src/money.ts", snippet: "export function formatPrice(c: number)" }],
      ],
      ["Order", [{ name: "Order", path: "src/types.ts", snippet: "export interface Order {" }]],
      ["run", [1, 2, 3].map((i) => ({ name: "run", path: `src/r${i}.ts`, snippet: "function run()" }))],
      ["local", [{ name: "local", path: "src/a.ts", snippet: "function local()" }]],
    ]),
    importsOf: new Map([["src/a.ts", ["src/money.ts"]]]),
  };

  it("lists identifiers nearest the cursor first", () => {
    const options = { prefixLines: 5, suffixLines: 2, maxDefinitionsPerName: 2, maxFiles: 4 };
    expect(identifiersNear("const far = 1;\nconst near = far;\n", "after()", options).slice(0, 3)).toEqual([
      "after",
      "const",
      "near",
    ]);
  });

  it("prefers definitions from imported files, skips the file itself and ambiguous names", () => {
    const chosen = selectContext("src/a.ts", "const o: Order = x;\nformatPrice(local(run()))", "", index);
    expect(chosen.map((c) => [c.path, c.reason])).toEqual([
      ["src/money.ts", "import"],
      ["src/types.ts", "definition"],
    ]);
  });
});

describe("keepTail / keepHead properties", () => {
  it("keep whole lines within budget, and one more line would not fit", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let trial = 0; trial < 200; trial += 1) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
        "x".repeat(Math.floor(random() * 9)),
      );
      const text = lines.join("\n");
      const budget = Math.floor(random() * 40);
      const tail = keepTail(text, budget, chars);
      const head = keepHead(text, budget, chars);
      expect(text.endsWith(tail)).toBe(true);
      expect(text.startsWith(head)).toBe(true);
      expect(tail.length).toBeLessThanOrEqual(Math.max(budget, 0));
      expect(head.length).toBeLessThanOrEqual(Math.max(budget, 0));
      if (tail.length < text.length && tail.includes("\n")) {
        // the kept tail starts at a line start
        expect(text[text.length - tail.length - 1]).toBe("\n");
      }
      if (head.length < text.length && head.length > 0 && lines[0]!.length <= budget) {
        expect(text[head.length]).toBe("\n");
      }
    }
  });
});

describe("keepTailAnchored (the prefix's cut)", () => {
  const codeLines = Array.from(
    { length: 120 },
    (_, i) => `  const value${i} = compute(${i}, "${"k".repeat(i % 7)}");`,
  );
  const anchorStart = (text: string, kept: string) => text.length - kept.length;

  it("keeps all of a prefix that fits, and otherwise a line-start tail within budget", () => {
    expect(keepTailAnchored("short\nprefix", 100, chars)).toBe("short\nprefix");
    const text = codeLines.join("\n");
    for (const budget of [60, 300, 900, 2000]) {
      const kept = keepTailAnchored(text, budget, chars);
      expect(text.endsWith(kept)).toBe(true);
      expect(kept.length).toBeLessThanOrEqual(budget);
      expect(text[anchorStart(text, kept) - 1]).toBe("\n");
      // never more than keepTail keeps, and never the cursor's line alone when keepTail kept more
      const plain = keepTail(text, budget, chars);
      expect(kept.length).toBeLessThanOrEqual(plain.length);
      if (plain.includes("\n")) expect(kept.includes("\n")).toBe(true);
    }
  });

  it("moves its start far less often than the plain cut while the user types at the end", () => {
    const above = codeLines.join("\n");
    const typed = `${codeLines.slice(0, 30).join("\n")}\n`; // typing 30 more lines, character by character
    const budget = 1500;
    const moves = { plain: 0, anchored: 0 };
    let last = { plain: -1, anchored: -1 };
    for (let n = 1; n <= typed.length; n++) {
      const text = `${above}\n${typed.slice(0, n)}`;
      const now = {
        plain: anchorStart(text, keepTail(text, budget, chars)),
        anchored: anchorStart(text, keepTailAnchored(text, budget, chars)),
      };
      if (n > 1) {
        if (now.plain !== last.plain) moves.plain += 1;
        if (now.anchored !== last.anchored) moves.anchored += 1;
      }
      // the start only ever moves forward while text is added at the end
      if (n > 1) expect(now.anchored).toBeGreaterThanOrEqual(last.anchored);
      last = now;
    }
    expect(moves.plain).toBeGreaterThanOrEqual(25);
    expect(moves.anchored).toBeLessThanOrEqual(moves.plain / 3);
  });
});
