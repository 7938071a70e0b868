/**
 * Secrets with no recognisable shape, found by where they are: a quoted literal assigned to a name that
 * says secret, token, password, key…, whose value looks random rather than like words, a path or a filler.
 *
 * Entropy threshold: 3.5 bits/char (3.0 for hex, whose 16-symbol alphabet caps it at 4). Cases that set it,
 * bits in brackets:
 *   scrubbed   "xK9mP2vL8qR4tN7w" [4.0], "Zm9vYmFyYmF6cXV4cXV1eA==" [3.89], "mypassword123" [3.55],
 *              hex "8f14e45fceea167a5a36dedd4bea2543" [3.59], UUID tokens [3.39, over the hex threshold]
 *   kept       "P@ssw0rd123!" [3.42], "test-token-1234" [3.32], "s3cr3tP4ssw0rd" [3.18],
 *              "hunter2hunter2" [2.81]: weak, human-made samples, far more often docs than credentials
 * Entropy alone does not tell code from secrets: "Please enter your password" [3.69], "access_token_expired"
 * [3.62], "models/tokenizer.json" [3.75] and "https://oauth2.googleapis.com/token" [4.03] all clear 3.5.
 * Shape filters keep those: printable ASCII without spaces, not words, not a URL, not a placeholder, and a
 * name that does not end in what it describes (`authUrl`, `tokenType`, `privateKeyPath`).
 */
import { shannonEntropy } from "./entropy.ts";
import { looksLikePlaceholder } from "./placeholder.ts";
import type { SecretSpan } from "./spans.ts";

export const MIN_ENTROPY_BITS = 3.5;
export const MIN_HEX_ENTROPY_BITS = 3.0;
const MIN_VALUE_LENGTH = 12;

/**
 * An assignment operator (=, :, :=, =>) then a one-line quoted literal of at least 12 characters. Linear:
 * each attempt stops at the next quote or line end, and the name before the operator is read afterwards
 * by a bounded backward scan, not by the regex.
 */
const QUOTED_ASSIGNMENT = /(?::=|=>|=|:)[ \t]*(["'`])(?<value>[^"'`\\\r\n]{12,})\1/dg;

/** The `(?!…)` guards keep tokenizer, author and secretary out (but not authorization). */
const SECRET_NAME =
  /secret(?!ar)|token(?!iz)|passw(?:or)?d|api[-_]?key|auth(?!or(?!iz))|credential|private[-_]?key/i;

/** Name endings that say the value is something about the secret, not the secret: authUrl, tokenType. */
const DESCRIPTIVE_ENDINGS = [
  ...["path", "file", "filename", "dir", "directory", "url", "uri", "endpoint", "host", "route"],
  ...["name", "type", "kind", "id", "field", "header", "env", "var", "label", "prefix", "suffix"],
  ...["length", "size", "count", "format", "pattern", "regex", "mode", "scope", "method", "provider"],
  ...["version", "policy", "strategy", "message", "msg", "text", "hint", "placeholder", "title", "error"],
  "description",
];
const DESCRIBES_SECRET = new RegExp(`(?:${DESCRIPTIVE_ENDINGS.join("|")})$`, "i");

/** Characters of a name: identifiers, dotted paths (config.password) and header-style keys (x-api-key). */
const NAME_CHAR = /[A-Za-z0-9_.$-]/;
const MAX_NAME_LENGTH = 80;

/** An HTTP scheme in front of the secret: only the credential after it is redacted. */
const AUTH_SCHEME = /^(?:Bearer|Basic|Token|Bot) +/i;

/** Keys and tokens are printable ASCII without spaces; text with spaces or other scripts is prose. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** Identifiers, paths, MIME types and camel-case phrases: no digits, and each run of letters word-shaped. */
const WORD_PART = /^(?:[a-z]+|[A-Z]+|[A-Z]?[a-z]{2,}(?:[A-Z]+[a-z]+)*[A-Z]*)$/;
const NON_LETTERS = /[^A-Za-z]+/;

export function findGenericSecrets(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const match of text.matchAll(QUOTED_ASSIGNMENT)) {
    const range = match.indices?.groups?.value;
    if (!range || !namesASecret(assignedNames(text, match.index))) continue;
    const [valueStart, valueEnd] = range;
    const value = text.slice(valueStart, valueEnd);
    const scheme = AUTH_SCHEME.exec(value)?.[0].length ?? 0;
    if (looksLikeSecret(value.slice(scheme))) spans.push([valueStart + scheme, valueEnd]);
  }
  return spans;
}

/**
 * The name assigned to at `operator`, read backwards: `api_key = `, `"api_key": ` (JSON), `['api_key'] => `
 * (PHP). For a typed declaration such as `token: string = ` both `string` and `token` are returned.
 */
function assignedNames(text: string, operator: number): string[] {
  const names: string[] = [];
  let end = operator;
  for (let attempt = 0; attempt < 2; attempt++) {
    end = skipBack(text, end, " \t");
    end = skipBack(text, end, "\"'`]", 2);
    let start = end;
    while (start > 0 && end - start < MAX_NAME_LENGTH && NAME_CHAR.test(text.charAt(start - 1))) start--;
    if (start === end) break;
    names.push(text.slice(start, end));
    end = skipBack(text, start, " \t");
    if (text.charAt(end - 1) !== ":") break;
    end--;
  }
  return names;
}

function skipBack(text: string, from: number, chars: string, limit = Number.POSITIVE_INFINITY): number {
  let i = from;
  while (i > 0 && from - i < limit && chars.includes(text.charAt(i - 1))) i--;
  return i;
}

function namesASecret(names: readonly string[]): boolean {
  return names.some((name) => SECRET_NAME.test(name) && !DESCRIBES_SECRET.test(name));
}

function looksLikeSecret(value: string): boolean {
  if (value.length < MIN_VALUE_LENGTH) return false;
  if (!PRINTABLE_ASCII.test(value)) return false; // prose: labels, messages, translated strings
  if (value.includes("://")) return false; // URLs; their passwords are the url_password rule's
  if (looksLikePlaceholder(value)) return false;
  if (looksLikeWords(value)) return false;
  const threshold = /^[0-9a-fA-F-]+$/.test(value) ? MIN_HEX_ENTROPY_BITS : MIN_ENTROPY_BITS;
  return shannonEntropy(value) >= threshold;
}

/** "access_token_expired", "application/json", "CorrectHorseBattery": no digits, and every part a word. */
function looksLikeWords(value: string): boolean {
  if (/\d/.test(value)) return false;
  return value
    .split(NON_LETTERS)
    .filter((part) => part.length > 0)
    .every((part) => WORD_PART.test(part));
}
