import { describe, expect, it } from "vitest";
import type { Span } from "../parse/types.ts";
import { NearDuplicateIndex, normaliseCode } from "./dedup.ts";
import { DEFAULT_SAMPLING, lineOf, lineStarts, parseSpanMix, sampleSpans } from "./examples.ts";
import { ImportResolver } from "./symbols.ts";

describe("near-duplicate index", () => {
  const index = new NearDuplicateIndex(0.7);
  index.add("for (const item of order.items) {\n  total += item.quantity * item.unitPrice;\n}");
  index.add("x");

  it("matches exact copies up to whitespace", () => {
    expect(
      index.matches("for (const item of order.items) { total += item.quantity * item.unitPrice; }"),
    ).toBe(true);
    expect(index.matches(" x ")).toBe(true);
    expect(normaliseCode("  a\n\tb  ")).toBe("a b");
  });

  it("matches near copies and not unrelated code", () => {
    expect(
      index.matches("for (const item of order.items) {\n  total += item.quantity * item.price;\n}"),
    ).toBe(true);
    expect(index.matches("return users.filter((u) => u.active).map((u) => u.name);")).toBe(false);
    expect(index.matches("y")).toBe(false);
  });
});

describe("span sampling", () => {
  const text = Array.from({ length: 100 }, (_, i) => `let v${i} = ${i};`).join("\n");
  const starts = lineStarts(text);
  const spans: Span[] = Array.from({ length: 100 }, (_, i) => ({
    kind: i % 2 === 0 ? "statement" : "expression",
    start: starts[i]!,
    end: starts[i]! + `let v${i} = ${i};`.length,
  }));

  it("is deterministic for a seed and varies with it", () => {
    const a = sampleSpans({ key: "f", text, spans }, DEFAULT_SAMPLING);
    expect(sampleSpans({ key: "f", text, spans }, DEFAULT_SAMPLING)).toEqual(a);
    expect(sampleSpans({ key: "f", text, spans }, { ...DEFAULT_SAMPLING, seed: 2 })).not.toEqual(a);
    expect(a).toHaveLength(4); // 100 lines / 25 per example
  });

  it("honours the span mix and the allowed lines", () => {
    const onlyStatements = sampleSpans(
      { key: "f", text, spans },
      { ...DEFAULT_SAMPLING, spanMix: parseSpanMix("statement=1") },
    );
    expect(onlyStatements.every((s) => s.kind === "statement")).toBe(true);
    const late = sampleSpans(
      { key: "f", text, spans, onlyLines: [{ start: 90, end: 100 }] },
      DEFAULT_SAMPLING,
    );
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((s) => lineOf(starts, s.start) >= 90)).toBe(true);
  });

  it("rejects unknown span kinds by name", () => {
    expect(() => parseSpanMix("statment=1")).toThrow(/statment/);
  });
});

describe("import resolution", () => {
  const resolver = new ImportResolver([
    "src/money.ts",
    "src/util/index.ts",
    "pkg/inventory/models.py",
    "pkg/__init__.py",
    "cmd/server/main.go",
  ]);

  it("resolves relative TypeScript imports with or without extension and index files", () => {
    expect(resolver.resolve("src/orders.ts", "./money")).toEqual(["src/money.ts"]);
    expect(resolver.resolve("src/orders.ts", "./money.js")).toEqual(["src/money.ts"]);
    expect(resolver.resolve("src/a/b.ts", "../util")).toEqual(["src/util/index.ts"]);
  });

  it("resolves Python dotted and relative imports", () => {
    expect(resolver.resolve("app.py", "pkg.inventory.models")).toEqual(["pkg/inventory/models.py"]);
    expect(resolver.resolve("pkg/inventory/views.py", ".models")).toEqual(["pkg/inventory/models.py"]);
    expect(resolver.resolve("x.py", "numpy")).toEqual([]);
  });
});

describe("parse cache encoding", () => {
  it("round-trips a parse result exactly", async () => {
    const { decodeParse, encodeParse } = await import("./parse-cache.ts");
    const parsed = {
      language: "python",
      errorCount: 1,
      imports: ["os.path"],
      spans: [
        { kind: "block" as const, start: 4, end: 20 },
        { kind: "rest_of_line" as const, start: 7, end: 9 },
      ],
      definitions: [{ name: "f", kind: "function", start: 0, end: 20 }],
    };
    expect(decodeParse(JSON.parse(JSON.stringify(encodeParse(parsed))))).toEqual(parsed);
  });
});
