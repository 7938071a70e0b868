/**
 * Keeps evaluation honest: a training example whose middle equals or nearly equals an evaluation middle
 * would teach the answer. Exact match after whitespace normalisation, or Jaccard similarity of token
 * trigrams at or above a threshold for middles long enough to have trigrams.
 */
const TOKEN = /[A-Za-z_$][\w$]*|\d+|[^\s\w]/g;

export function normaliseCode(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function trigrams(text: string): Set<string> {
  const tokens = text.match(TOKEN) ?? [];
  const grams = new Set<string>();
  for (let i = 0; i + 2 < tokens.length; i += 1) grams.add(`${tokens[i]} ${tokens[i + 1]} ${tokens[i + 2]}`);
  return grams;
}

export class NearDuplicateIndex {
  private readonly exact = new Set<string>();
  private readonly grams: Array<Set<string>> = [];
  private readonly byGram = new Map<string, number[]>();

  constructor(private readonly threshold = 0.7) {}

  add(middle: string): void {
    this.exact.add(normaliseCode(middle));
    const grams = trigrams(middle);
    if (grams.size === 0) return;
    const id = this.grams.push(grams) - 1;
    for (const gram of grams) {
      const ids = this.byGram.get(gram);
      if (ids) ids.push(id);
      else this.byGram.set(gram, [id]);
    }
  }

  matches(middle: string): boolean {
    if (this.exact.has(normaliseCode(middle))) return true;
    const grams = trigrams(middle);
    if (grams.size === 0) return false;
    const shared = new Map<number, number>();
    for (const gram of grams) {
      for (const id of this.byGram.get(gram) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    }
    for (const [id, common] of shared) {
      const union = grams.size + this.grams[id]!.size - common;
      if (common / union >= this.threshold) return true;
    }
    return false;
  }
}
