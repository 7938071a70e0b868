/** Counts tokens of a text. The estimator is used when no tokenizer is given; both are injected, never global. */
export type TokenCounter = (text: string) => number;

/**
 * ~3.5 characters per token: a rule of thumb for code under large BPE vocabularies, used for budgeting only
 * when no tokenizer.json is given. Datasets record whether their counts were estimated.
 */
export const estimateTokens: TokenCounter = (text) => Math.ceil(text.length / 3.5);
