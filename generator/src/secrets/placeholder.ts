import { REDACTED } from "./kinds.ts";

/**
 * Values that stand for a secret without being one: documentation fillers, template references and the
 * scrubber's own marker (so scrubbing twice changes nothing). Each pattern says which family it catches.
 */
const PLACEHOLDER_PATTERNS: readonly RegExp[] = [
  // "your-api-key-here", "my_token", "the-secret"
  /^(?:your|my|the|some)[-_ ]/i,
  // filler words that docs and samples use in place of a value
  /example|placeholder|change[-_]?me|dummy|sample|replace[-_]?me|insert[-_]|fixme|todo|xxx/i,
  // a bare word that names the field rather than filling it
  /^(?:password|passwd|pass|secret|token|test|admin|root|guest|user|none|null|undefined|empty|string)$/i,
  // metasyntactic words of examples: foo:bar@host
  /^(?:foo|bar|baz|qux|quux)$/i,
  // interpolation and references resolved at run time: ${X}, {{ x }}, #{x}, %(x)s, $X, %X%, <x>
  /\$\{|\{\{|#\{|%\(|^\$[A-Za-z_]|^%[A-Za-z_]+%$|^<[^>]*>$/,
  // masks such as "*****" or "00000": five equal characters in a row
  /(.)\1{4}/,
  new RegExp(REDACTED, "i"),
];

export function looksLikePlaceholder(value: string): boolean {
  return PLACEHOLDER_PATTERNS.some((pattern) => pattern.test(value));
}
