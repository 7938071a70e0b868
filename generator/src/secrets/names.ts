/**
 * Names that say their value is a secret: `password`, `api_key`, `SECRET_KEY`, `spring.datasource.password`,
 * `x-api-key`, `stripeKey`. Shared by every rule that reads a key next to its value (quoted assignments,
 * config files, env lookups).
 */
import { looksLikeSecret, looksRandom } from "./value-shape.ts";

/** Substrings that name a secret. The `(?!…)` guards keep tokenizer, author and secretary out (but not authorization). */
const SECRET_NAME =
  /secret(?!ar)|token(?!iz)|passw(?:or)?d|pwd|api[-_]?key|auth(?!or(?!iz))|credential|private[-_]?key/i;

/** Name endings that say the value is something about the secret, not the secret: authUrl, tokenType. */
const DESCRIPTIVE_ENDINGS = [
  ...["path", "file", "filename", "dir", "directory", "url", "uri", "endpoint", "host", "route"],
  ...["name", "type", "kind", "id", "field", "header", "env", "var", "label", "prefix", "suffix"],
  ...["length", "size", "count", "format", "pattern", "regex", "mode", "scope", "method", "provider"],
  ...["version", "policy", "strategy", "message", "msg", "text", "hint", "placeholder", "title", "error"],
  ...["description", "enabled", "required", "expiry", "expires", "ttl", "timeout", "store", "storage"],
];
const DESCRIBES_SECRET = new RegExp(`(?:${DESCRIPTIVE_ENDINGS.join("|")})$`, "i");

/**
 * Words of a name that hold a secret only as a whole word: `key` (stripe_key, KEY, masterKey) and `pass`
 * (DB_PASS). As substrings they would claim keyboard, monkey, bypass and passage.
 */
const SECRET_WORDS = new Set(["key", "pass"]);

/** A `key` after one of these is a database, UI or lookup key, not a credential. */
const ORDINARY_KEY_KINDS = new Set([
  ...["primary", "foreign", "sort", "partition", "range", "hash", "cache", "unique", "composite", "lookup"],
  ...["map", "dict", "object", "row", "column", "index", "group", "react", "list", "item", "query", "search"],
  ...["state", "store", "storage", "local", "i18n", "translation", "message", "event", "idempotency"],
  ...["shortcut", "hot", "nav", "route", "public", "sorting", "table", "field", "attr", "attribute", "dedup"],
]);

/** Lower-cased words of a name: `apiKeyV2` → api, key, v2; `spring.datasource.password` → spring, datasource, password. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}

/**
 * How surely `name` says its value is a secret: "strong" for password, token, secret, api key, credential,
 * auth…; "weak" for a bare `key` or `pass` word (stripe_key, DB_PASS), which map keys, cache keys and test
 * ids share; null when it says nothing, or only describes a secret (authUrl, tokenType).
 */
export function secretNameStrength(name: string): "strong" | "weak" | null {
  if (DESCRIBES_SECRET.test(name)) return null;
  if (SECRET_NAME.test(name)) return "strong";
  const words = nameWords(name);
  const weak = words.some(
    (word, i) => SECRET_WORDS.has(word) && !(i > 0 && ORDINARY_KEY_KINDS.has(words[i - 1] ?? "")),
  );
  return weak ? "weak" : null;
}

export function namesASecret(name: string): boolean {
  return secretNameStrength(name) !== null;
}

/** True when one of `names` holds `value` as a secret: any value shaped like one under a strong name, a random one under a weak name. */
export function holdsSecret(names: readonly string[], value: string): boolean {
  const strengths = names.map(secretNameStrength);
  if (strengths.includes("strong")) return looksLikeSecret(value);
  if (strengths.includes("weak")) return looksLikeSecret(value) && looksRandom(value);
  return false;
}
