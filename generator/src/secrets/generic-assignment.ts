/**
 * Secrets with no recognisable shape, found by where they are: a quoted literal assigned to a name that
 * says secret, token, password, key… (names.ts), whose value looks random rather than like words, a path or
 * a filler (value-shape.ts, where the thresholds and the cases behind them are).
 */
import { holdsSecret } from "./names.ts";
import type { SecretSpan } from "./spans.ts";

/**
 * An assignment operator (=, :, :=, =>) then a one-line quoted literal of at least 12 characters. Linear:
 * each attempt stops at the next quote or line end, and the name before the operator is read afterwards
 * by a bounded backward scan, not by the regex.
 */
const QUOTED_ASSIGNMENT = /(?::=|=>|=|:)[ \t]*(["'`])(?<value>[^"'`\\\r\n]{12,})\1/dg;

/** Characters of a name: identifiers, dotted paths (config.password) and header-style keys (x-api-key). */
const NAME_CHAR = /[A-Za-z0-9_.$-]/;
const MAX_NAME_LENGTH = 80;

/** Type names between a variable and `=`: `var apiKey string =`, `const API_KEY: &str =`, `String apiKey =` reads apiKey directly. */
const TYPE_WORDS = /^(?:string|str|String|char|byte|bytes|text|var|let|const|final|static)$/;

/** An HTTP scheme in front of the secret: only the credential after it is redacted. */
export const AUTH_SCHEME = /^(?:Bearer|Basic|Token|Bot) +/i;

export function findGenericSecrets(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const match of text.matchAll(QUOTED_ASSIGNMENT)) {
    const range = match.indices?.groups?.value;
    if (!range) continue;
    const [valueStart, valueEnd] = range;
    const value = text.slice(valueStart, valueEnd);
    const scheme = AUTH_SCHEME.exec(value)?.[0].length ?? 0;
    if (holdsSecret(assignedNames(text, match.index), value.slice(scheme)))
      spans.push([valueStart + scheme, valueEnd]);
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
  for (let attempt = 0; attempt < 3; attempt++) {
    end = skipBack(text, end, " \t");
    end = skipBack(text, end, "\"'`]", 2);
    let start = end;
    while (start > 0 && end - start < MAX_NAME_LENGTH && NAME_CHAR.test(text.charAt(start - 1))) start--;
    if (start === end) break;
    const name = text.slice(start, end);
    names.push(name);
    end = skipBack(text, start, " \t&*'");
    if (text.charAt(end - 1) === ":") end--;
    else if (!TYPE_WORDS.test(name) || end === start) break;
  }
  return names;
}

function skipBack(text: string, from: number, chars: string, limit = Number.POSITIVE_INFINITY): number {
  let i = from;
  while (i > 0 && from - i < limit && chars.includes(text.charAt(i - 1))) i--;
  return i;
}
