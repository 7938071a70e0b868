import { describe, expect, it } from "vitest";
import {
  bm25Scores,
  buildRetrievalIndex,
  chunkFile,
  DEFAULT_RETRIEVAL_OPTIONS,
  identifierTerms,
  indexChunks,
  inverseDocumentFrequency,
  type RetrievalOptions,
  retrievalOptionsForBudget,
  retrievalQuery,
  retrieveContext,
} from "./retrieval.ts";

const small: RetrievalOptions = {
  ...DEFAULT_RETRIEVAL_OPTIONS,
  windowLines: 2,
  stride: 2,
  excludeAroundLines: 0,
};
const lines = (n: number, make: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => make(i)).join("\n");

describe("identifierTerms", () => {
  it("keeps identifiers of three characters or more, repeats included", () => {
    expect(identifierTerms("const x = orderTotal(order) + order.id; // $el _ab")).toEqual([
      "const",
      "orderTotal",
      "order",
      "order",
      "$el",
      "_ab",
    ]);
  });
});

describe("chunkFile", () => {
  it("cuts windows of windowLines every stride lines, the last reaching the end", () => {
    const text = `${lines(25, (i) => `line${i}`)}\n`;
    const chunks = chunkFile("a.ts", text, DEFAULT_RETRIEVAL_OPTIONS);
    expect(chunks.map((c) => [c.startLine, c.endLine])).toEqual([
      [0, 20],
      [10, 25],
    ]);
    expect(chunks[1]!.text.split("\n")[0]).toBe("line10");
    expect(chunks[1]!.text.split("\n").at(-1)).toBe("line24");
    expect(chunks[0]!.length).toBe(20);
  });

  it("makes one window of a short file and none of a file without identifiers", () => {
    expect(chunkFile("a.ts", "foo bar\n").map((c) => [c.startLine, c.endLine])).toEqual([[0, 1]]);
    expect(chunkFile("a.ts", "1 + 2\n{}\n")).toEqual([]);
  });

  it("cuts an over-long window at a line boundary", () => {
    const text = lines(3, () => "abc".repeat(10));
    const [chunk] = chunkFile("a.ts", text, { ...DEFAULT_RETRIEVAL_OPTIONS, maxChunkChars: 70 });
    expect(chunk!.text).toBe(`${"abc".repeat(10)}\n${"abc".repeat(10)}`);
  });
});

describe("BM25", () => {
  // a.ts: one window, terms alpha beta beta gamma (length 4); b.ts: gamma delta (length 2). N = 2, avgLen = 3.
  const index = buildRetrievalIndex(
    [
      { path: "a.ts", text: "alpha beta\nbeta gamma\n" },
      { path: "b.ts", text: "gamma delta\n" },
    ],
    small,
  );

  it("uses Lucene's non-negative idf", () => {
    expect(inverseDocumentFrequency(2, 1)).toBeCloseTo(Math.log(2), 12);
    expect(inverseDocumentFrequency(2, 2)).toBeCloseTo(Math.log(1.2), 12);
    expect(inverseDocumentFrequency(10, 10)).toBeGreaterThan(0);
  });

  it("matches hand-computed scores", () => {
    expect(index.averageLength).toBe(3);
    // beta: idf ln 2; tf 2 in a.ts; norm = 2 + 1.2·(0.25 + 0.75·4/3) = 3.5 → ln2 · 2·2.2 / 3.5.
    const beta = bm25Scores(index, ["beta"]);
    expect([...beta.keys()]).toEqual([0]);
    expect(beta.get(0)).toBeCloseTo((Math.log(2) * 4.4) / 3.5, 12);
    // gamma: idf ln 1.2; a.ts: tf 1, norm 1 + 1.5 = 2.5; b.ts: tf 1, norm 1 + 1.2·(0.25 + 0.75·2/3) = 1.9.
    const gamma = bm25Scores(index, ["gamma"]);
    expect(gamma.get(0)).toBeCloseTo((Math.log(1.2) * 2.2) / 2.5, 12);
    expect(gamma.get(1)).toBeCloseTo((Math.log(1.2) * 2.2) / 1.9, 12);
    // A query sums its distinct terms; a repeated query term counts once.
    const query = bm25Scores(index, ["beta", "gamma", "delta", "delta", "missing"]);
    expect(query.get(0)).toBeCloseTo((Math.log(2) * 4.4) / 3.5 + (Math.log(1.2) * 2.2) / 2.5, 12); // 1.0318
    expect(query.get(1)).toBeCloseTo(((Math.log(1.2) + Math.log(2)) * 2.2) / 1.9, 12); // 1.0137
  });

  it("ranks by score and reports the chosen windows as retrieval context", () => {
    const found = retrieveContext(index, { path: "c.ts", prefix: "x = beta(gamma, delta", suffix: ")" });
    expect(found).toEqual([
      { path: "a.ts", text: "alpha beta\nbeta gamma", reason: "retrieval" },
      { path: "b.ts", text: "gamma delta", reason: "retrieval" },
    ]);
    expect(
      retrieveContext(
        { ...index, options: { ...small, topK: 1 } },
        { path: "c.ts", prefix: "delta", suffix: "" },
      ),
    ).toEqual([{ path: "b.ts", text: "gamma delta", reason: "retrieval" }]);
    expect(retrieveContext(index, { path: "c.ts", prefix: "nothing", suffix: "in common" })).toEqual([]);
  });
});

describe("retrieveContext", () => {
  const file = lines(40, (i) => `const value${i} = compute(total, item${i});`);
  const options: RetrievalOptions = { ...DEFAULT_RETRIEVAL_OPTIONS, windowLines: 10, stride: 5, topK: 3 };

  it("queries the identifiers of the last prefix lines and first suffix lines", () => {
    const query = retrievalQuery(
      `old\n${lines(20, () => "near")}`,
      `after\n${lines(10, () => "x")}\nfar`,
      options,
    );
    expect(query).not.toContain("old");
    expect(query).not.toContain("far");
    expect(query).toContain("near");
    expect(query).toContain("after");
  });

  it("skips the current file's windows around the excluded lines, widened by excludeAroundLines", () => {
    const index = buildRetrievalIndex([{ path: "a.ts", text: file }], { ...options, excludeAroundLines: 5 });
    const prefix = file.split("\n").slice(0, 20).join("\n");
    const found = retrieveContext(index, {
      path: "a.ts",
      prefix,
      suffix: "",
      excludeLines: { start: 19, end: 22 },
    });
    // Excluded: lines 14..27 → windows [5,15) [10,20) [15,25) [20,30) [25,35); kept: [0,10), [30,40).
    const text = found.map((c) => c.text).join("\n");
    expect(text).not.toMatch(/value(1[0-9]|2[0-9])\b/);
    expect(found).toHaveLength(2); // two windows of one file, each its own entry
    expect(found.map((c) => c.path)).toEqual(["a.ts", "a.ts"]);
    expect(found.every((c) => c.text.split("\n").filter(Boolean).length === 10)).toBe(true);
    expect(found.some((c) => c.text.startsWith("const value0 "))).toBe(true);
  });

  it("defaults to excluding the cursor's line and never returns overlapping windows", () => {
    const index = buildRetrievalIndex(
      [
        { path: "a.ts", text: file },
        { path: "b.ts", text: file },
      ],
      { ...options, excludeAroundLines: 0 },
    );
    const found = retrieveContext(index, { path: "c.ts", prefix: "compute(total, item", suffix: "" });
    for (const entry of found) {
      const numbers = [...entry.text.matchAll(/value(\d+) /g)].map((m) => Number(m[1]));
      expect(new Set(numbers).size).toBe(numbers.length); // no line twice
    }
    expect(found.flatMap((c) => c.text.split("\n").filter(Boolean)).length).toBe(30); // topK windows of 10 lines
  });

  it("returns nothing from an empty index", () => {
    expect(retrieveContext(buildRetrievalIndex([]), { path: "a.ts", prefix: "foo", suffix: "" })).toEqual([]);
  });
});

describe("indexChunks", () => {
  it("indexes windows cut beforehand exactly as buildRetrievalIndex does", () => {
    const files = [
      { path: "a.ts", text: lines(9, (i) => `alpha${i} beta gamma${i % 3}`) },
      { path: "b.ts", text: lines(5, (i) => `beta delta${i}`) },
    ];
    const built = buildRetrievalIndex(files, small);
    const fromChunks = indexChunks(
      files.flatMap((f) => chunkFile(f.path, f.text, small)),
      small,
    );
    expect(fromChunks).toEqual(built);
  });
});

describe("retrievalOptionsForBudget", () => {
  it("sizes windows to half the context share of the budget", () => {
    // 256 · 0.3 · 3.5 / 2 = 134.4 chars → 3 lines, raised to the floor of 4; stride half a window.
    expect(retrievalOptionsForBudget({ maxTokens: 256, contextShare: 0.3 })).toMatchObject({
      maxChunkChars: 134,
      windowLines: 4,
      stride: 2,
    });
    // 1024 · 0.3 · 3.5 / 2 = 537.6 → 13 lines, stride 7.
    expect(retrievalOptionsForBudget({ maxTokens: 1024, contextShare: 0.3 })).toMatchObject({
      maxChunkChars: 537,
      windowLines: 13,
      stride: 7,
    });
    // Large budgets keep RepoCoder's 20-line windows.
    expect(retrievalOptionsForBudget({ maxTokens: 4096, contextShare: 0.3 })).toMatchObject({
      windowLines: 20,
      stride: 10,
    });
  });
});
