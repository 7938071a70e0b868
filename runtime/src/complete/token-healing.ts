/**
 * Token healing for prompts that end in text the user typed (the typing anchor: `<fim_middle>` + typed). The
 * typed characters were tokenized on their own, so their last token usually cuts a word where the model's
 * tokenizer never would ("ret" + "urn"), and the model, which learned the canonical tokenization, finds the
 * continuation unlikely. Healing takes that last token back out of the prompt and lets the model choose the
 * first token among those whose text starts with the removed characters (as guidance's token healing does);
 * the completion shown is what comes after them. Evidence: docs/decisions/2026-12-05-typing-anchor.md.
 */

export interface HealedTail {
  /** The typed text's tokens but the last: what the prompt ends with. */
  ids: number[];
  /** The last token's text: the completion must start with it. */
  fragment: string;
}

/** Splits typed text's tokens for healing; null when there is nothing to heal or the last token is not whole text. */
export function healTail(
  typedIds: readonly number[],
  decode: (ids: readonly number[]) => string,
): HealedTail | null {
  const last = typedIds.at(-1);
  if (last === undefined) return null;
  const fragment = decode([last]);
  // A byte-level token holding part of a multi-byte character decodes to U+FFFD: no text to match against.
  if (fragment === "" || fragment.includes("\uFFFD")) return null;
  return { ids: typedIds.slice(0, -1), fragment };
}

/** The vocabulary's token texts, indexed by first character, built on the first question (one decode per id). */
export class HealingVocabulary {
  private byFirst: Map<string, number[]> | null = null;
  private readonly answers = new Map<string, number[]>();

  constructor(
    private readonly decode: (ids: readonly number[]) => string,
    private readonly vocabSize: number,
    /** Special tokens (stop tokens, template markers): never a completion's first token. */
    private readonly excluded: ReadonlySet<number>,
  ) {}

  /** Ids of the tokens whose text starts with `fragment`. */
  allowed(fragment: string): number[] {
    const known = this.answers.get(fragment);
    if (known) return known;
    const candidates = this.index().get(fragment[0] ?? "") ?? [];
    const texts = this.texts;
    const found = candidates.filter((id) => texts[id]!.startsWith(fragment));
    if (this.answers.size >= 256) this.answers.clear();
    this.answers.set(fragment, found);
    return found;
  }

  private texts: string[] = [];

  private index(): Map<string, number[]> {
    if (this.byFirst) return this.byFirst;
    const byFirst = new Map<string, number[]>();
    this.texts = new Array<string>(this.vocabSize);
    for (let id = 0; id < this.vocabSize; id++) {
      const text = this.excluded.has(id) ? "" : this.decode([id]);
      this.texts[id] = text;
      if (text === "" || text.includes("\uFFFD")) continue;
      const first = text[0]!;
      const list = byFirst.get(first);
      if (list) list.push(id);
      else byFirst.set(first, [id]);
    }
    this.byFirst = byFirst;
    return byFirst;
  }
}
