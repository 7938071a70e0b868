import { describe, expect, it } from "vitest";
import { ContextRing, jaccard, lineSet } from "./context-ring.ts";

const file = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `const ${tag}${i} = ${i};`).join("\n");

describe("jaccard", () => {
  it("measures line-set overlap", () => {
    expect(jaccard(lineSet("a\nb"), lineSet("a\nb"))).toBe(1);
    expect(jaccard(lineSet("a\nb"), lineSet("c\nd"))).toBe(0);
    expect(jaccard(lineSet("a\nb\nc"), lineSet("a\nb\nd"))).toBeCloseTo(0.5);
    expect(jaccard(lineSet(""), lineSet("  \n"))).toBe(1);
  });
});

describe("ContextRing", () => {
  it("queues picked chunks and moves one into the ring per tick", () => {
    const ring = new ContextRing();
    ring.pick({ uri: "u1", path: "a.ts", text: file(10, "a") }, 0);
    ring.pick({ uri: "u2", path: "b.ts", text: file(10, "b") }, 0);
    expect(ring.stats()).toMatchObject({ ring: 0, queued: 2 });
    expect(ring.tick()).toBe(true);
    expect(ring.stats()).toMatchObject({ ring: 1, queued: 1 });
    ring.tick();
    expect(ring.tick()).toBe(false);
    expect(ring.stats()).toMatchObject({ ring: 2, queued: 0 });
  });

  it("cuts a chunk of chunkLines lines around the line", () => {
    const ring = new ContextRing({ chunkLines: 4 });
    const chunk = ring.pick({ uri: "u", path: "a.ts", text: file(20, "a") }, 10);
    expect(chunk?.startLine).toBe(8);
    expect(chunk?.text.split("\n")).toHaveLength(4);
    expect(ring.pick({ uri: "u", path: "a.ts", text: file(20, "a") }, 19)?.startLine).toBe(16);
  });

  it("ignores chunks with too few lines", () => {
    const ring = new ContextRing();
    expect(ring.pick({ uri: "u", path: "a.ts", text: "x\n\n" }, 0)).toBeNull();
  });

  it("a near-duplicate evicts the older chunk (Jaccard above the threshold)", () => {
    const ring = new ContextRing({ evictSimilarity: 0.9 });
    const base = file(30, "a");
    ring.pick({ uri: "u", path: "a.ts", text: base }, 0);
    ring.flush();
    ring.pick({ uri: "u", path: "a.ts", text: `${base}\n// one more line` }, 0);
    ring.flush();
    expect(ring.stats()).toMatchObject({ ring: 1, evicted: 1 });
    expect(ring.snippets({ uri: "other", visible: "" })[0]?.text).toContain("one more line");
  });

  it("evicts the oldest beyond its capacity", () => {
    const ring = new ContextRing({ capacity: 2 });
    for (const tag of ["a", "b", "c"]) ring.pick({ uri: tag, path: `${tag}.ts`, text: file(5, tag) }, 0);
    ring.flush();
    expect(ring.snippets({ uri: "x", visible: "" }).map((s) => s.path)).toEqual(["c.ts", "b.ts"]);
  });

  it("gives snippets newest first, skipping the current file's chunks the prompt already shows", () => {
    const ring = new ContextRing();
    const current = file(8, "cur");
    ring.pick({ uri: "cur", path: "cur.ts", text: current }, 0);
    ring.pick({ uri: "other", path: "other.ts", text: file(8, "o") }, 0);
    ring.pick({ uri: "cur", path: "cur.ts", text: file(8, "far") }, 0);
    ring.flush();
    const snippets = ring.snippets({ uri: "cur", visible: current });
    expect(snippets.map((s) => s.path)).toEqual(["cur.ts", "other.ts"]);
    expect(snippets[0]?.text).toContain("far0");
    expect(ring.snippets({ uri: "cur", visible: current }, 1)).toHaveLength(1);
  });

  it("forgets a deleted file", () => {
    const ring = new ContextRing();
    ring.pick({ uri: "u", path: "a.ts", text: file(5, "a") }, 0);
    ring.flush();
    ring.pick({ uri: "u", path: "a.ts", text: file(5, "z") }, 0);
    ring.forget("u");
    expect(ring.stats()).toMatchObject({ ring: 0, queued: 0 });
  });
});
