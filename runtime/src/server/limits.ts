/**
 * Bounds on what the server accepts, in one place. A client (the extension, or anything that can write to the
 * server's stdin) must not be able to make the server grow without bound or stall `stats` and `cancel`; each
 * refusal names the limit and the value so the caller knows what to shrink.
 */

/**
 * Longest stdin line (bytes, newline excluded). A longer line is discarded while it streams — memory stays at
 * this bound — and answered with an error. 8 MiB holds the largest request the other limits allow (document +
 * context, JSON-escaped) with room to spare.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Bytes of an oversized line kept to read its `id` from (the id comes first in what clients send), so the
 * refusal can answer that request rather than `id: null`.
 */
export const OVERSIZED_LINE_HEAD_BYTES = 4096;

/**
 * prefix + suffix characters of one `complete`. The prompt keeps ~1k tokens of them (complete/prompt.ts cuts
 * the rest before tokenising), so a larger document only costs transfer and parsing; 2 Mi characters is a
 * 50k-line source file, beyond which editors themselves stop treating a file as code.
 */
export const MAX_DOCUMENT_CHARS = 2 * 1024 * 1024;

/** Context snippets of one `complete`: the extension's `repolora.contextSize` allows at most 64. */
export const MAX_CONTEXT_SNIPPETS = 64;

/**
 * Characters of one context snippet. Snippets are definitions or retrieval windows of a few hundred
 * characters; 256 Ki is a whole large file, already far more than any prompt budget can use.
 */
export const MAX_SNIPPET_CHARS = 256 * 1024;

/** Characters of all context snippets of one `complete` together (64 snippets of ~16 Ki). */
export const MAX_CONTEXT_CHARS = 1024 * 1024;

/**
 * Characters per prompt-budget token above which a context snippet cannot fit the prompt. The prompt builder
 * keeps a snippet whole or leaves it out, and a snippet never takes more than the whole budget, so one longer
 * than budget × 16 characters (code averages 3–4 characters a token) is left out before it reaches the
 * tokenizer. The same bound complete/prompt.ts uses to pre-cut the prefix and suffix.
 */
export const SNIPPET_CHARS_PER_BUDGET_TOKEN = 16;

/** A refusal message that names the limit, its value and what was sent. */
export function overLimit(what: string, got: number, limitName: string, limit: number, unit: string): string {
  return `${what} is ${got} ${unit}, over the limit of ${limit} ${unit} (${limitName})`;
}

interface CompleteInput {
  prefix: string;
  suffix: string;
  context: readonly { path: string; text: string }[];
}

/** Why a `complete` is over a limit, or null when it is within all of them. */
export function completeLimitViolation(params: CompleteInput): string | null {
  const documentChars = params.prefix.length + params.suffix.length;
  if (documentChars > MAX_DOCUMENT_CHARS)
    return overLimit(
      "prefix + suffix",
      documentChars,
      "MAX_DOCUMENT_CHARS",
      MAX_DOCUMENT_CHARS,
      "characters",
    );
  if (params.context.length > MAX_CONTEXT_SNIPPETS)
    return overLimit(
      "context",
      params.context.length,
      "MAX_CONTEXT_SNIPPETS",
      MAX_CONTEXT_SNIPPETS,
      "snippets",
    );
  let contextChars = 0;
  for (const [index, snippet] of params.context.entries()) {
    if (snippet.text.length > MAX_SNIPPET_CHARS)
      return overLimit(
        `context[${index}] (${snippet.path})`,
        snippet.text.length,
        "MAX_SNIPPET_CHARS",
        MAX_SNIPPET_CHARS,
        "characters",
      );
    contextChars += snippet.text.length;
  }
  if (contextChars > MAX_CONTEXT_CHARS)
    return overLimit("context", contextChars, "MAX_CONTEXT_CHARS", MAX_CONTEXT_CHARS, "characters");
  return null;
}

/** The snippets that can fit a prompt of `budgetTokens` tokens, in order; the rest never reach the tokenizer. */
export function snippetsWithinBudget<T extends { text: string }>(
  context: readonly T[],
  budgetTokens: number,
): T[] {
  const maxChars = budgetTokens * SNIPPET_CHARS_PER_BUDGET_TOKEN;
  return context.filter((snippet) => snippet.text.length <= maxChars);
}
