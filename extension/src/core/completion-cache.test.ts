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

  it("never walks back across a line break", () => {
    const cache = new CompletionCache();
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

describe("LruMap", () => {
  it("refuses a capacity below one", () => {
    expect(() => new LruMap(0)).toThrow(/capacity/);
  });
});
