import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  appendToCache,
  cacheRows,
  commonPrefixLength,
  emptyKvCache,
  type KvCache,
  truncateCache,
} from "./kv-cache.ts";
import { PromptCacheStore } from "./prompt-cache.ts";

const LAYERS = 2;
const HEADS = 2;
const HEAD_DIM = 3;

/** The value at (layer, head, position, d) of key (kind 1) or value (kind 2) rows: it encodes its coordinates. */
const code = (kind: number, layer: number, head: number, position: number, d: number) =>
  kind * 10000 + layer * 1000 + head * 100 + position + d / 10;

/** New rows (1, heads, S, head_dim) for positions from..from+S-1, as the graph returns them. */
function rows(kind: number, layer: number, from: number, count: number): ort.Tensor {
  const data = Float32Array.from({ length: HEADS * count * HEAD_DIM }, (_, i) => {
    const head = Math.floor(i / (count * HEAD_DIM));
    return code(kind, layer, head, from + (Math.floor(i / HEAD_DIM) % count), i % HEAD_DIM);
  });
  return new ort.Tensor("float32", data, [1, HEADS, count, HEAD_DIM]);
}

/** `cache` extended by positions from..from+count-1 (their coordinates as values). */
function extend(cache: KvCache, count: number): KvCache {
  const from = cache.length;
  const layers = Array.from({ length: LAYERS }, (_, l) => l);
  return appendToCache(
    cache,
    layers.map((l) => rows(1, l, from, count)),
    layers.map((l) => rows(2, l, from, count)),
  );
}

function fakeCache(length: number): KvCache {
  return extend(emptyKvCache(LAYERS, HEADS, HEAD_DIM), length);
}

/** Every row of the cache matches its coordinates: nothing was overwritten or lost. */
function expectIntact(cache: KvCache): void {
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let head = 0; head < HEADS; head++) {
      const expected = Array.from({ length: cache.length * HEAD_DIM }, (_, i) =>
        Math.fround(code(1, layer, head, Math.floor(i / HEAD_DIM), i % HEAD_DIM)),
      );
      expect(Array.from(cacheRows(cache.keys[layer]!, head, cache.length))).toEqual(expected);
    }
  }
}

describe("KV cache buffers", () => {
  it("appends in place while a cache ends where its buffers' rows end, with room left", () => {
    const prompt = fakeCache(5);
    expect(prompt.buffers).toEqual({ capacity: 256, written: 5 });
    const next = extend(prompt, 1);
    expect(next.keys[0]).toBe(prompt.keys[0]); // the same buffer: no copy of the cache
    expect(next.length).toBe(6);
    expectIntact(next);
    expectIntact(prompt); // the shorter cache still sees its own rows
  });

  it("copies before appending from a cache that does not end where the rows end (copy on write)", () => {
    const prompt = fakeCache(5);
    const branchA = extend(prompt, 2); // in place
    const branchB = extend(prompt, 1); // prompt no longer ends at the written rows: new buffers
    expect(branchB.keys[0]).not.toBe(prompt.keys[0]);
    for (const cache of [prompt, branchA, branchB]) expectIntact(cache);
    const cut = truncateCache(branchA, 3);
    expect(cut.length).toBe(3);
    const fromCut = extend(cut, 4);
    expect(fromCut.keys[0]).not.toBe(branchA.keys[0]);
    for (const cache of [branchA, cut, fromCut]) expectIntact(cache);
    expect(truncateCache(branchA, 7)).toBe(branchA);
  });

  it("grows into larger buffers when the room is used up", () => {
    const long = extend(fakeCache(250), 10);
    expect(long.buffers.capacity).toBe(512);
    expect(long.keys[1]!.dims).toEqual([1, HEADS, 512, HEAD_DIM]);
    expectIntact(long);
  });
});

describe("prompt KV caches", () => {
  it("reuses the longest shared prefix, leaving one prompt token to feed, per key and adapter stack", () => {
    const store = new PromptCacheStore(2);
    store.store("w1", "a@1×1", [1, 2, 3, 4, 5], fakeCache(5));
    expect(store.lookup("w1", "a@1×1", [1, 2, 3, 4, 5, 6, 7])?.reused).toBe(5);
    expect(store.lookup("w1", "a@1×1", [1, 2, 3, 4, 5])?.reused).toBe(4); // the last token is fed again
    // a lookup keeps only what the prompt shared (the request's own result replaces the entry)
    const hit = store.lookup("w1", "a@1×1", [1, 2, 3, 9, 9]);
    expect(hit?.reused).toBe(3);
    expect(store.lookup("w1", "a@1×1", [1, 2, 3, 4, 5])?.reused).toBe(3);
    // its rows after the shared prefix were handed back: the request appends in place
    const extended = extend(hit!.cache, 2);
    expect(extended.keys[0]).toBe(hit!.cache.keys[0]);
    expectIntact(extended);
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

describe("PromptCacheStore.reusable: what a lookup would serve, without changing the entry", () => {
  it("counts the shared prefix (at least one token left to feed) and leaves the entry whole", () => {
    const store = new PromptCacheStore(2);
    store.store("w", "a@1×1", [1, 2, 3, 4, 5], fakeCache(5));
    expect(store.reusable("w", "a@1×1", [1, 2, 3, 9])).toBe(3);
    expect(store.reusable("w", "a@1×1", [1, 2, 3, 4, 5])).toBe(4);
    expect(store.reusable("w", "b@1×1", [1, 2, 3])).toBe(0); // other adapters
    expect(store.reusable("v", "a@1×1", [1, 2, 3])).toBe(0); // other key
    // a lookup after the peeks still finds all five tokens
    expect(store.lookup("w", "a@1×1", [1, 2, 3, 4, 5, 6])?.reused).toBe(5);
  });
});
