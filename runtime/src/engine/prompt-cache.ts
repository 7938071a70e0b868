/**
 * KV caches of recent prompts, one per key (a workspace), bounded by count, least recently used evicted.
 * A new prompt reuses the longest token prefix it shares with its key's cached sequence — typing forward
 * keeps everything before the cursor — provided the cache was computed with the same adapters (LoRA on k/v
 * changes the cached keys and values). Keeping one entry per workspace means switching windows does not
 * throw another window's cache away.
 */
import { commonPrefixLength, type KvCache, truncateCache } from "./kv-cache.ts";

interface Entry {
  /** The token ids whose keys/values the cache holds (cache.length of them). */
  tokens: number[];
  cache: KvCache;
  /** Identifies the adapter stack the cache was computed with. */
  adapters: string;
}

export interface PrefixHit {
  cache: KvCache;
  /** Prompt tokens served from the cache. */
  reused: number;
}

export class PromptCacheStore {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError(`prompt cache size must be a non-negative integer, got ${maxEntries}`);
    }
  }

  /**
   * The cached prefix of `prompt` for this key, truncated to what the prompt shares with it; at least one
   * prompt token is always left to feed (the step that yields the next token's logits).
   */
  lookup(key: string, adapters: string, prompt: readonly number[]): PrefixHit | null {
    const entry = this.entries.get(key);
    if (!entry || entry.adapters !== adapters) return null;
    this.touch(key, entry);
    const shared = Math.min(commonPrefixLength(entry.tokens, prompt), prompt.length - 1);
    if (shared <= 0) return null;
    // The entry keeps only what the new prompt shares, and its buffers' rows after that are handed back: the
    // request then appends in place instead of copying the cache (kv-cache.ts). Safe because an entry's
    // buffers are viewed by no other entry (a key's caches grow from its own lookups) and the worker holds no
    // cache between requests.
    entry.tokens = entry.tokens.slice(0, shared);
    entry.cache = truncateCache(entry.cache, shared);
    entry.cache.buffers.written = shared;
    return { cache: entry.cache, reused: shared };
  }

  /** Prompt tokens `lookup` would serve from the cache, without touching the entry. */
  reusable(key: string, adapters: string, prompt: readonly number[]): number {
    const entry = this.entries.get(key);
    if (!entry || entry.adapters !== adapters) return 0;
    return Math.max(0, Math.min(commonPrefixLength(entry.tokens, prompt), prompt.length - 1));
  }

  store(key: string, adapters: string, tokens: number[], cache: KvCache): void {
    if (this.maxEntries === 0 || cache.length === 0) return;
    if (tokens.length !== cache.length) {
      throw new RangeError(`prompt cache: ${tokens.length} tokens for a cache of ${cache.length}`);
    }
    this.touch(key, { tokens, cache, adapters });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drops entries computed with an adapter key (it was reloaded or dropped); all entries without a key. */
  invalidate(adapterKey?: string): void {
    for (const [key, entry] of this.entries) {
      if (
        adapterKey === undefined ||
        entry.adapters.split("\u0000").some((p) => p.startsWith(`${adapterKey}@`))
      ) {
        this.entries.delete(key);
      }
    }
  }

  summary(): Array<{ key: string; tokens: number }> {
    return [...this.entries].map(([key, entry]) => ({ key, tokens: entry.cache.length }));
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }
}
