/**
 * Completion cache with walk-back (after llama.vscode) and walk-forward: completions are stored under a hash of
 * the text around the cursor. On a miss:
 *
 * - walk-back: the typed line is walked back one character at a time: if an earlier request's completion
 *   starts with what the user typed since, the rest of it is served without asking the model;
 * - walk-forward: from each recent completion (newest first), the cache checks whether the user typed its
 *   first characters — line breaks and auto-indentation included, and regardless of the single/multi-line
 *   variant the new position would ask for — and serves the rest. This keeps a multi-line suggestion on
 *   screen while the user types through its lines, where the walk-back stops at the line break.
 *
 * The walk-forward also follows a suffix the editor changed only by auto-closing (typing `(` put `)` after the
 * cursor): the hit then says so, and the caller finishes the rest against the new suffix.
 *
 * Typed text that diverges from the completion, or that covers all of it, is a miss.
 */
import { createHash } from "node:crypto";
import { sameSuffixButClosers } from "../../../runtime/src/prompt/index.ts";
import { LruMap } from "./lru.ts";

export interface CacheKeyParts {
  /** Everything that changes the model's answer besides the text and the variant: model, adapters. */
  scope: string;
  /** What the position asks for (single- or multi-line): part of the exact key, not of walk-forward. */
  variant?: string;
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
  /** Recent completions the walk-forward starts from. */
  forwardAnchors: number;
  /** How far into a completion the walk-forward follows the typing, in characters. */
  maxWalkForward: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = {
  capacity: 250,
  prefixChars: 2000,
  suffixChars: 500,
  maxWalkBack: 64,
  forwardAnchors: 16,
  maxWalkForward: 1024,
};

export interface CacheHit {
  text: string;
  /** Characters the user typed into the cached suggestion (0 = exact hit), found by the walk-back. */
  walkedBack: number;
  /** Characters typed into a recent suggestion, found by the walk-forward (absent otherwise). */
  walkedForward?: number;
  /** The suffix differs from the suggestion's by auto-closed brackets or quotes: postprocess `text` again. */
  suffixChanged?: boolean;
}

/** A recent completion and the text around the cursor it was made for (only the key's characters). */
interface Anchor {
  scope: string;
  prefixTail: string;
  suffixHead: string;
  text: string;
}

export class CompletionCache {
  private readonly entries: LruMap<string, string>;
  private readonly options: CacheOptions;
  /** Oldest first. */
  private anchors: Anchor[] = [];

  constructor(options: Partial<CacheOptions> = {}) {
    this.options = { ...DEFAULT_CACHE_OPTIONS, ...options };
    this.entries = new LruMap(this.options.capacity);
  }

  private key(scope: string, variant: string, prefix: string, suffix: string): string {
    return createHash("sha256")
      .update(scope)
      .update("\u0000")
      .update(variant)
      .update("\u0000")
      .update(prefix.slice(-this.options.prefixChars))
      .update("\u0000")
      .update(suffix.slice(0, this.options.suffixChars))
      .digest("base64");
  }

  set(parts: CacheKeyParts, completion: string): void {
    this.entries.set(this.key(parts.scope, parts.variant ?? "", parts.prefix, parts.suffix), completion);
    const anchor: Anchor = {
      scope: parts.scope,
      prefixTail: parts.prefix.slice(-this.options.prefixChars),
      suffixHead: parts.suffix.slice(0, this.options.suffixChars),
      text: completion,
    };
    this.anchors = this.anchors.filter(
      (a) =>
        a.scope !== anchor.scope || a.prefixTail !== anchor.prefixTail || a.suffixHead !== anchor.suffixHead,
    );
    this.anchors.push(anchor);
    if (this.anchors.length > this.options.forwardAnchors) this.anchors.shift();
  }

  get(parts: CacheKeyParts): CacheHit | null {
    const variant = parts.variant ?? "";
    const exact = this.entries.get(this.key(parts.scope, variant, parts.prefix, parts.suffix));
    if (exact !== undefined) return { text: exact, walkedBack: 0 };
    return this.walkBack(parts, variant) ?? this.walkForward(parts);
  }

  private walkBack(parts: CacheKeyParts, variant: string): CacheHit | null {
    const lineStart = parts.prefix.lastIndexOf("\n") + 1;
    const lineLength = parts.prefix.length - lineStart;
    for (let back = 1; back <= Math.min(lineLength, this.options.maxWalkBack); back += 1) {
      const earlier = parts.prefix.slice(0, parts.prefix.length - back);
      const cached = this.entries.get(this.key(parts.scope, variant, earlier, parts.suffix));
      if (cached === undefined) continue;
      const typed = parts.prefix.slice(parts.prefix.length - back);
      // The user typed into the suggestion: serve the rest. Typing all of it (or past it) is not a hit.
      if (cached.startsWith(typed) && cached.length > typed.length) {
        return { text: cached.slice(typed.length), walkedBack: back };
      }
    }
    return null;
  }

  private walkForward(parts: CacheKeyParts): CacheHit | null {
    const suffixHead = parts.suffix.slice(0, this.options.suffixChars);
    for (let i = this.anchors.length - 1; i >= 0; i -= 1) {
      const anchor = this.anchors[i]!;
      if (anchor.scope !== parts.scope || !sameSuffixButClosers(anchor.suffixHead, suffixHead)) continue;
      // t = characters of the completion typed; at least one must be left to show.
      const longest = Math.min(anchor.text.length - 1, parts.prefix.length, this.options.maxWalkForward);
      for (let t = longest; t >= 1; t -= 1) {
        if (!parts.prefix.endsWith(anchor.text.slice(0, t))) continue;
        const before = parts.prefix.slice(0, parts.prefix.length - t);
        if (before.slice(-this.options.prefixChars) !== anchor.prefixTail) continue;
        return {
          text: anchor.text.slice(t),
          walkedBack: 0,
          walkedForward: t,
          ...(anchor.suffixHead === suffixHead ? {} : { suffixChanged: true }),
        };
      }
    }
    return null;
  }

  clear(): void {
    this.entries.clear();
    this.anchors = [];
  }
}
