/**
 * Typing without re-processing the suffix (issue 15). In the prefix-suffix-middle order every token after the
 * cursor follows the prefix, so a keystroke that extends the prefix changes the prompt before the whole suffix
 * and the engine's prefix cache re-feeds all of it (~200 tokens at the default share, ~0.7 s on 2 cores).
 *
 * Typing inserts at the cursor: the suffix stays the same and the new prefix is the old one plus what was
 * typed. So the server keeps, per document, the prompt of the keystroke that started the run of typing (the
 * anchor) and sends `anchor prompt + typed text`: the typed characters are the start of the middle the model
 * is asked for, which is how fill-in-the-middle training presents a middle the model is part-way through.
 * The engine then reuses the anchor's whole KV state and feeds only the typed tokens. Held-out NLL of the
 * middle's rest, this prompt vs the typed text moved into the prefix: docs/decisions/2026-12-05-typing-anchor.md.
 *
 * The typed text's last token is healed (../complete/token-healing.ts): left out of the prompt, with the
 * completion's first token required to start with its text, so the model is not held to a word cut mid-token.
 *
 * The anchor is kept while the suffix (but for auto-closed brackets and quotes right after the cursor), context,
 * file, template and budget are unchanged, the prefix still
 * starts with the anchor's, and at most MAX_TYPED_CHARS were typed since; otherwise this request's own prompt
 * becomes the new anchor (a full prompt, once). The prefix-last (SPM) order already reuses everything but
 * the typed tokens and is never anchored.
 */
import { readFileSync } from "node:fs";
import type { ServingPrompt } from "../complete/prompt.ts";
import { HealingVocabulary, healTail } from "../complete/token-healing.ts";
import type { ModelPackage } from "../model/package.ts";
import { specialTokenIds, type TokenizerJsonLike } from "../model/special-tokens.ts";
import type { TextTokenizer } from "../model/tokenizer.ts";
import { type FimTemplate, sameSuffixButClosers } from "../prompt/index.ts";
import type { Methods } from "../protocol/index.ts";

/** Characters typed after the anchor before it is renewed: the range the decision's NLL check measured. */
export const MAX_TYPED_CHARS = 64;
/** Documents whose anchor is kept (the most recently used). */
const MAX_DOCUMENTS = 16;

type CompleteParams = Methods["complete"]["params"];

interface Anchor {
  /** Everything the prompt depends on besides the prefix and the suffix. */
  key: string;
  prefix: string;
  suffix: string;
  prompt: ServingPrompt;
}

export interface AnchoredPrompt {
  prompt: ServingPrompt;
  /** Characters appended to the anchor's prompt; null when this request's own prompt was built (and anchored). */
  typed: number | null;
  /**
   * Token healing (../complete/token-healing.ts): the prompt's ids leave out the typed text's last token,
   * whose text `fragment` the completion must start with: its first token is one of `firstTokenIds`.
   */
  healing: { fragment: string; firstTokenIds: number[] } | null;
}

export class TypingAnchors {
  private readonly anchors = new Map<string, Anchor>();

  constructor(
    private readonly tokenizer: {
      encode(text: string): number[];
      decode(ids: readonly number[]): string;
    },
    /** Heal the typed text's last token (null: append the typed tokens as they are). */
    private readonly healing: HealingVocabulary | null,
    private readonly maxTyped: number = MAX_TYPED_CHARS,
  ) {}

  /** The prompt for `params`: the document's anchor plus what was typed since, or `build()` as a new anchor. */
  prompt(
    params: CompleteParams,
    template: FimTemplate,
    maxPromptTokens: number,
    build: () => ServingPrompt,
  ): AnchoredPrompt {
    if (template.id.endsWith("-spm")) return { prompt: build(), typed: null, healing: null };
    const document = `${params.workspace}\u0000${params.documentUri}`;
    const key = anchorKey(params, template, maxPromptTokens);
    const anchor = this.anchors.get(document);
    this.anchors.delete(document);
    const typed =
      anchor && anchor.key === key && sameSuffixButClosers(anchor.suffix, params.suffix)
        ? typedSince(anchor.prefix, params.prefix, this.maxTyped)
        : null;
    if (anchor && typed !== null) {
      this.anchors.set(document, anchor);
      // The anchor's text ends with a marker token, so the typed text tokenizes on its own.
      const typedIds = typed === "" ? [] : this.tokenizer.encode(typed);
      const tail = this.healing ? healTail(typedIds, this.tokenizer.decode) : null;
      const firstTokenIds = tail && this.healing ? this.healing.allowed(tail.fragment) : [];
      const healed = tail && firstTokenIds.length > 0 ? tail : null;
      return {
        prompt: {
          ...anchor.prompt,
          text: `${anchor.prompt.text}${typed}`,
          ids: [...anchor.prompt.ids, ...(healed ? healed.ids : typedIds)],
          prefix: `${anchor.prompt.prefix}${typed}`,
        },
        typed: typed.length,
        healing: healed ? { fragment: healed.fragment, firstTokenIds } : null,
      };
    }
    const prompt = build();
    this.anchors.set(document, { key, prefix: params.prefix, suffix: params.suffix, prompt });
    if (this.anchors.size > MAX_DOCUMENTS) this.anchors.delete(this.anchors.keys().next().value as string);
    return { prompt, typed: null, healing: null };
  }
}

/**
 * What was typed after `anchorPrefix` to give `prefix`, at most `maxTyped` characters; null if `prefix` is not
 * the anchor's plus typing. Clients send the last N characters before the cursor (the extension 12,000), so in
 * a long file the prefix's head moves forward as the user types: then `prefix` is a tail of the anchor's
 * prefix followed by the typed text, and the shortest such typed text is taken.
 */
export function typedSince(anchorPrefix: string, prefix: string, maxTyped: number): string | null {
  if (prefix.startsWith(anchorPrefix)) {
    const typed = prefix.slice(anchorPrefix.length);
    return typed.length <= maxTyped ? typed : null;
  }
  for (let typed = 0; typed <= maxTyped; typed += 1) {
    const kept = prefix.length - typed;
    if (kept < anchorPrefix.length / 2) break; // not a moved head: the cursor went elsewhere
    if (kept < anchorPrefix.length && anchorPrefix.endsWith(prefix.slice(0, kept))) return prefix.slice(kept);
  }
  return null;
}

/** Typing anchors with token healing over the package's vocabulary (special tokens excluded). */
export function typingAnchorsFor(pkg: ModelPackage, tokenizer: TextTokenizer): TypingAnchors {
  const json = JSON.parse(readFileSync(pkg.tokenizerPath, "utf8")) as TokenizerJsonLike;
  const healing = new HealingVocabulary(
    tokenizer.decode,
    pkg.manifest.config.vocabSize,
    specialTokenIds(json),
  );
  healing.allowed(" "); // builds the vocabulary index now (~0.5 s for 152k tokens), not on the first keystroke
  return new TypingAnchors(tokenizer, healing);
}

function anchorKey(params: CompleteParams, template: FimTemplate, maxPromptTokens: number): string {
  return JSON.stringify([
    template.id,
    maxPromptTokens,
    params.suffixShare ?? null,
    params.repoName,
    params.path,
    params.context,
  ]);
}
