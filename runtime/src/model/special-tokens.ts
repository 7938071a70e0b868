/** Reads special tokens from tokenizer.json: which FIM template a vocabulary speaks, and its stop token ids. */
import { type FimTemplate, getTemplate, type TemplateId } from "../prompt/index.ts";

export interface TokenizerJsonLike {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  model?: { vocab?: Record<string, number> | [string, number][] };
}

/** The id of `token` in the tokenizer's added tokens or vocabulary, or undefined. */
export function tokenId(tokenizer: TokenizerJsonLike, token: string): number | undefined {
  const added = tokenizer.added_tokens?.find((t) => t.content === token);
  if (added) return added.id;
  const vocab = tokenizer.model?.vocab;
  if (!vocab) return undefined;
  if (Array.isArray(vocab)) {
    const index = vocab.findIndex(([piece]) => piece === token);
    return index >= 0 ? index : undefined;
  }
  return vocab[token];
}

/** The marker token each family's FIM prompt starts its prefix with. */
const FIM_MARKERS: [string, TemplateId][] = [
  ["<|fim_prefix|>", "qwen2.5-coder"],
  ["<fim_prefix>", "starcoder2"],
  ["<｜fim▁begin｜>", "deepseek-coder"],
  ["▁<PRE>", "codellama"],
  ["<PRE>", "codellama"],
];

export function detectFimTemplate(tokenizer: TokenizerJsonLike): TemplateId | null {
  return FIM_MARKERS.find(([marker]) => tokenId(tokenizer, marker) !== undefined)?.[1] ?? null;
}

/** eos ids from config.json / generation_config.json, the eos token of tokenizer_config.json, and the template's stops. */
export function stopTokenIds(
  tokenizer: TokenizerJsonLike,
  template: FimTemplate | null,
  eosFromConfigs: unknown[],
  eosToken: unknown,
): number[] {
  const ids = new Set<number>();
  for (const value of eosFromConfigs) {
    for (const id of Array.isArray(value) ? value : [value]) if (typeof id === "number") ids.add(id);
  }
  const eosText =
    typeof eosToken === "string" ? eosToken : (eosToken as { content?: string } | null)?.content;
  for (const token of [eosText, ...(template?.stop ?? [])]) {
    const id = token === undefined ? undefined : tokenId(tokenizer, token);
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

export function templateOrNull(id: TemplateId | null): FimTemplate | null {
  return id === null ? null : getTemplate(id);
}

/** Ids of the tokenizer's added special tokens (markers, end of text): never text a completion starts with. */
export function specialTokenIds(tokenizer: TokenizerJsonLike): Set<number> {
  return new Set((tokenizer.added_tokens ?? []).filter((t) => t.special !== false).map((t) => t.id));
}
