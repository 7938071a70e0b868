/**
 * Completion cache with walk-back (after llama.vscode): completions are stored under a hash of the text around
 * the cursor. On a miss the typed line is walked back one character at a time: if an earlier request's
 * completion starts with what the user typed since, the rest of it is served without asking the model.
 */
import { createHash } from "node:crypto";
import { LruMap } from "./lru.ts";

export interface CacheKeyParts {
  /** Everything that changes the model's answer besides the text: model, adapters, single/multi-line. */
  scope: string;
  prefix: string;
  suffix: string;
}

export interface CacheOptions {
  capacity: number;
  /** Characters of prefix (nearest the cursor) and suffix that make up the key. */
  prefixChars: number;
  suffixChars: number;
  /** How far back the walk-back looks, in characters of the current line. */
  maxWalkBack: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = {
  capacity: 250,
  prefixChars: 2000,
  suffixChars: 500,
  maxWalkBack: 64,
};

export interface CacheHit {
  text: string;
  /** Characters the user typed into the cached suggestion (0 = exact hit). */
  walkedBack: number;
}

export class CompletionCache {
  private readonly entries: LruMap<string, string>;
  private readonly options: CacheOptions;

  constructor(options: Partial<CacheOptions> = {}) {
    this.options = { ...DEFAULT_CACHE_OPTIONS, ...options };
    this.entries = new LruMap(this.options.capacity);
  }

  private key(scope: string, prefix: string, suffix: string): string {
    return createHash("sha256")
      .update(scope)
      .update("\u0000")
      .update(prefix.slice(-this.options.prefixChars))
      .update("\u0000")
      .update(suffix.slice(0, this.options.suffixChars))
      .digest("base64");
  }

  set(parts: CacheKeyParts, completion: string): void {
    this.entries.set(this.key(parts.scope, parts.prefix, parts.suffix), completion);
  }

  get(parts: CacheKeyParts): CacheHit | null {
    const exact = this.entries.get(this.key(parts.scope, parts.prefix, parts.suffix));
    if (exact !== undefined) return { text: exact, walkedBack: 0 };
    const lineStart = parts.prefix.lastIndexOf("\n") + 1;
    const lineLength = parts.prefix.length - lineStart;
    for (let back = 1; back <= Math.min(lineLength, this.options.maxWalkBack); back += 1) {
      const earlier = parts.prefix.slice(0, parts.prefix.length - back);
      const cached = this.entries.get(this.key(parts.scope, earlier, parts.suffix));
      if (cached === undefined) continue;
      const typed = parts.prefix.slice(parts.prefix.length - back);
      // The user typed into the suggestion: serve the rest. Typing all of it (or past it) is not a hit.
      if (cached.startsWith(typed) && cached.length > typed.length) {
        return { text: cached.slice(typed.length), walkedBack: back };
      }
    }
    return null;
  }

  clear(): void {
    this.entries.clear();
  }
}
