import { describe, expect, it } from "vitest";
import { AdapterCache } from "./adapter-cache.ts";

describe("AdapterCache (LRU by bytes, pinned adapters stay)", () => {
  const entry = (key: string, bytes: number) => ({ key, dir: `/adapters/${key}`, bytes });

  it("evicts the least recently used unpinned adapters until the total fits", () => {
    const cache = new AdapterCache(250, () => false);
    expect(cache.add(entry("a", 100))).toEqual([]);
    expect(cache.add(entry("b", 100))).toEqual([]);
    cache.touch(["a"]); // b is now the least recently used
    expect(cache.add(entry("c", 100))).toEqual(["b"]);
    expect(cache.list().map((e) => e.key)).toEqual(["a", "c"]);
    expect(cache.totalBytes).toBe(200);
  });

  it("never evicts a pinned adapter, nor the one just loaded, even over the bound", () => {
    const pinned = new Set(["a"]);
    const cache = new AdapterCache(150, (key) => pinned.has(key));
    cache.add(entry("a", 100));
    expect(cache.add(entry("b", 100))).toEqual([]); // a pinned, b just loaded: over the bound, kept
    expect(cache.totalBytes).toBe(200);
    expect(cache.add(entry("c", 10))).toEqual(["b"]);
    pinned.clear();
    expect(cache.add(entry("d", 100))).toEqual(["a"]);
  });

  it("replaces an adapter loaded again under the same key", () => {
    const cache = new AdapterCache(1000, () => false);
    cache.add(entry("a", 100));
    cache.add({ key: "a", dir: "/other", bytes: 300 });
    expect(cache.list()).toEqual([{ key: "a", dir: "/other", bytes: 300 }]);
  });
});
