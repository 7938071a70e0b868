/**
 * Overwrites secrets in a file we keep. Detectors run one after another on the text the previous one left,
 * so a secret is counted once, under the most specific kind: PEM blocks first, then token shapes, then the
 * rules that read a key next to its value (quoted assignments, unquoted config and shell lines, env-lookup
 * defaults), and last the keyless rule for random-looking runs, which would otherwise claim them all.
 */
import { findConfigSecrets } from "./config-assignment.ts";
import { findEnvDefaultSecrets } from "./env-default.ts";
import { findGenericSecrets } from "./generic-assignment.ts";
import { type SecretKind, zeroCounts } from "./kinds.ts";
import { findPrivateKeys } from "./private-key.ts";
import { findRandomRuns } from "./random-run.ts";
import { redactSpans, type SecretSpan } from "./spans.ts";
import { findTokens, TOKEN_RULES } from "./token-rules.ts";

export interface ScrubResult {
  text: string;
  /** Secrets replaced, by kind; every kind is present. */
  counts: Record<SecretKind, number>;
}

/** The detectors after PEM blocks, in order; each returns sorted, non-overlapping spans. */
const DETECTORS: ReadonlyArray<readonly [SecretKind, (text: string) => SecretSpan[]]> = [
  ...TOKEN_RULES.map((rule) => [rule.kind, (text: string) => findTokens(text, rule)] as const),
  ["generic_secret", findGenericSecrets],
  ["generic_secret", findConfigSecrets],
  ["env_default_secret", findEnvDefaultSecrets],
  ["high_entropy_string", findRandomRuns],
];

export function scrubSecrets(text: string): ScrubResult {
  const counts = zeroCounts();

  const keys = findPrivateKeys(text);
  let scrubbed = redactSpans(text, keys.spans);
  counts.private_key += keys.blocks;

  for (const [kind, find] of DETECTORS) {
    const spans = find(scrubbed);
    scrubbed = redactSpans(scrubbed, spans);
    counts[kind] += spans.length;
  }

  return { text: scrubbed, counts };
}
