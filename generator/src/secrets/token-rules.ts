/**
 * Secrets recognisable by their shape alone. Every pattern is linear-time on any input: a lookbehind pins
 * the start to the beginning of a token (so a long run is tried once, not at each of its characters), and
 * each quantifier covers one character class that the next part of the pattern cannot also match.
 */
import type { SecretKind } from "./kinds.ts";
import { looksLikePlaceholder } from "./placeholder.ts";
import type { SecretSpan } from "./spans.ts";

export interface TokenRule {
  kind: SecretKind;
  /** Flags `gd`. The secret is the named group `secret` when there is one, else the whole match. */
  pattern: RegExp;
  /** Second look at the secret, for shapes that ordinary text can also take. */
  accept?: (secret: string, match: RegExpExecArray) => boolean;
}

const hasDigit = (s: string): boolean => /\d/.test(s);
const MIN_URL_PASSWORD_LENGTH = 4;

/** Applied in order; a later rule never sees what an earlier one redacted. */
export const TOKEN_RULES: readonly TokenRule[] = [
  // AWS access key ids: AKIA (long-lived IAM user keys) and ASIA (temporary STS keys), 20 upper-case chars.
  { kind: "aws_access_key_id", pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/dg },
  // AWS secret keys are 40 base64 chars with no prefix, so only their variable name gives them away.
  {
    kind: "aws_secret_access_key",
    pattern:
      /(?<![A-Za-z0-9])aws[-_]?secret[-_]?(?:access[-_]?)?key["']?[ \t]*(?::=|=>|=|:)[ \t]*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
  },
  // GitHub: classic ghp_/gho_/ghu_/ghs_/ghr_ tokens and fine-grained github_pat_ tokens.
  {
    kind: "github_token",
    pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})(?![A-Za-z0-9_])/dg,
  },
  // GitLab personal access tokens.
  { kind: "gitlab_token", pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/dg },
  // Slack bot, app, user, refresh and legacy tokens.
  { kind: "slack_token", pattern: /(?<![A-Za-z0-9_-])xox[baprs]-[A-Za-z0-9-]{10,}(?![A-Za-z0-9-])/dg },
  // Slack incoming webhooks: the path after /services/ is the credential.
  {
    kind: "slack_token",
    pattern: /hooks\.slack\.com\/services\/(?<secret>T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+)/dg,
  },
  // Stripe live secret and restricted keys (test keys, sk_test_, are meant to be shared).
  { kind: "stripe_key", pattern: /(?<![A-Za-z0-9_])[rs]k_live_[A-Za-z0-9]{16,}(?![A-Za-z0-9])/dg },
  // Google API keys: AIza plus 35 chars.
  { kind: "google_api_key", pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/dg },
  // Anthropic keys (sk-ant-api03-…). Before OpenAI's rule, which would also match them.
  { kind: "anthropic_api_key", pattern: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/dg },
  // OpenAI keys: sk-<48 chars>, sk-proj-…, sk-svcacct-…. A digit and a 20-char run tell them from
  // kebab-case names that happen to start with "sk-".
  {
    kind: "openai_api_key",
    pattern: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/dg,
    accept: (secret) => hasDigit(secret) && /[A-Za-z0-9]{20}/.test(secret),
  },
  // npm automation and publish tokens.
  {
    kind: "npm_token",
    pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/dg,
    accept: hasDigit,
  },
  // JWTs: base64url header and payload both open with `{"` (eyJ), then a signature.
  {
    kind: "jwt",
    pattern:
      /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_-])/dg,
  },
  // scheme://user:password@host: only the password goes. Not secrets: default pairs (postgres:postgres),
  // placeholders (${DB_PASSWORD}) and the one-to-three-letter passwords of documentation (a:b, abc:xyz).
  {
    kind: "url_password",
    pattern:
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/(?<user>[^\s/?#@:"'`<>]*):(?<secret>[^\s/?#@"'`<>]+)@/dg,
    accept: (secret, match) =>
      secret.length >= MIN_URL_PASSWORD_LENGTH &&
      secret !== match.groups?.user &&
      !looksLikePlaceholder(secret),
  },
];

/** Where `rule` finds secrets in `text`, in order. */
export function findTokens(text: string, rule: TokenRule): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const match of text.matchAll(rule.pattern)) {
    const [start, end] = match.indices?.groups?.secret ?? [match.index, match.index + match[0].length];
    if (rule.accept && !rule.accept(text.slice(start, end), match)) continue;
    spans.push([start, end]);
  }
  return spans;
}
