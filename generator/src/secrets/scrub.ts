/**
 * Overwrites secrets in a file we keep. Detectors run one after another on the text the previous one left,
 * so a secret is counted once, under the most specific kind: PEM blocks first, then token shapes, then
 * the generic name-and-entropy rule, which would otherwise claim `GITHUB_TOKEN = "ghp_…"`.
 */
import { findGenericSecrets } from "./generic-assignment.ts";
import { type SecretKind, zeroCounts } from "./kinds.ts";
import { findPrivateKeys } from "./private-key.ts";
import { redactSpans } from "./spans.ts";
import { findTokens, TOKEN_RULES } from "./token-rules.ts";

export interface ScrubResult {
  text: string;
  /** Secrets replaced, by kind; every kind is present. */
  counts: Record<SecretKind, number>;
}

export function scrubSecrets(text: string): ScrubResult {
  const counts = zeroCounts();

  const keys = findPrivateKeys(text);
  let scrubbed = redactSpans(text, keys.spans);
  counts.private_key += keys.blocks;

  for (const rule of TOKEN_RULES) {
    const spans = findTokens(scrubbed, rule);
    scrubbed = redactSpans(scrubbed, spans);
    counts[rule.kind] += spans.length;
  }

  const generic = findGenericSecrets(scrubbed);
  scrubbed = redactSpans(scrubbed, generic);
  counts.generic_secret += generic.length;

  return { text: scrubbed, counts };
}
