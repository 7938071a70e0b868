/**
 * What the scrubber can find, and what it writes instead. Kinds are the keys of the manifest's
 * `counts.secretsScrubbed`, so they are part of the dataset contract: add, never rename.
 */
export const SECRET_KINDS = [
  "private_key",
  "aws_access_key_id",
  "aws_secret_access_key",
  "github_token",
  "gitlab_token",
  "slack_token",
  "stripe_key",
  "google_api_key",
  "anthropic_api_key",
  "openai_api_key",
  "npm_token",
  "jwt",
  "url_password",
  "generic_secret",
  "env_default_secret",
  "high_entropy_string",
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/**
 * Written in place of the secret characters only, so quotes, URLs and PEM armour around it stay as they were.
 * Letters only: `<REDACTED>` would be a redirection in shell, an element in XML and invalid in a URL.
 */
export const REDACTED = "REDACTED";

export function zeroCounts(): Record<SecretKind, number> {
  return Object.fromEntries(SECRET_KINDS.map((kind) => [kind, 0])) as Record<SecretKind, number>;
}
