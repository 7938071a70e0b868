import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { commonPrefixLength, type KvCache, truncateCache } from "./kv-cache.ts";
import { PromptCacheStore } from "./prompt-cache.ts";

/** A cache whose value at (layer, head, position, d) encodes its coordinates. */
function fakeCache(length: number, layers = 2, heads = 2, headDim = 3): KvCache {
  const tensor = (layer: number, kind: number) =>
    new ort.Tensor(
      "float32",
      Float32Array.from({ length: heads * length * headDim }, (_, i) => {
        const head = Math.floor(i / (length * headDim));
        const position = Math.floor(i / headDim) % length;
        return kind * 10000 + layer * 1000 + head * 100 + position + (i % headDim) / 10;
      }),
      [1, heads, length, headDim],
    );
  return {
    length,
    keys: Array.from({ length: layers }, (_, l) => tensor(l, 1)),
    values: Array.from({ length: layers }, (_, l) => tensor(l, 2)),
  };
}

describe("prompt KV caches", () => {
  it("truncates every (head) row block to its first positions", () => {
    const full = fakeCache(5);
    const cut = truncateCache(full, 3);
    expect(cut.length).toBe(3);
    expect(cut.keys[1]!.dims).toEqual([1, 2, 3, 3]);
    expect(Array.from(cut.keys[1]!.data as Float32Array)).toEqual(
      Array.from(fakeCache(3).keys[1]!.data as Float32Array),
    );
    expect(truncateCache(full, 5)).toBe(full);
  });

  it("reuses the longest shared prefix, leaving one prompt token to feed, per key and adapter stack", () => {
    const store = new PromptCacheStore(2);
    store.store("w1", "a@1×1", [1, 2, 3, 4, 5], fakeCache(5));
    expect(store.lookup("w1", "a@1×1", [1, 2, 3, 9, 9])?.reused).toBe(3);
    expect(store.lookup("w1", "a@1×1", [1, 2, 3, 4, 5])?.reused).toBe(4); // the last token is fed again
    expect(store.lookup("w1", "a@1×1", [1, 2, 3, 4, 5, 6, 7])?.reused).toBe(5);
    expect(store.lookup("w1", "b@2×1", [1, 2, 3, 4, 5, 6])).toBeNull(); // other adapters: other keys/values
    expect(store.lookup("w2", "a@1×1", [1, 2, 3])).toBeNull();
    expect(store.lookup("w1", "a@1×1", [7, 2, 3])).toBeNull();
    expect(commonPrefixLength([1, 2], [1, 2, 3])).toBe(2);
  });

  it("keeps one entry per key, the most recently used ones, up to the bound", () => {
    const store = new PromptCacheStore(2);
    store.store("w1", "", [1, 2], fakeCache(2));
    store.store("w2", "", [1, 2], fakeCache(2));
    store.lookup("w1", "", [1, 2, 3]); // w1 used: w2 is now the oldest
    store.store("w3", "", [1, 2], fakeCache(2));
    expect(store.summary().map((e) => e.key)).toEqual(["w1", "w3"]);
    store.invalidate();
    expect(store.summary()).toEqual([]);
  });
});
