/**
 * What a secret value looks like, apart from where it is. Two bars:
 * - `looksLikeSecret`: for a value a name already calls secret (password = …): random rather than words,
 *   a path, a filler or a placeholder.
 * - `looksRandom`: for a value with no such name (a bare literal, an env default): a long run that mixes
 *   upper case, lower case and digits the way generated keys do, and identifiers do not.
 *
 * Entropy thresholds: 3.5 bits/char (3.0 for hex, whose 16-symbol alphabet caps it at 4). Cases that set it,
 * bits in brackets:
 *   scrubbed   "xK9mP2vL8qR4tN7w" [4.0], "Zm9vYmFyYmF6cXV4cXV1eA==" [3.89], "mypassword123" [3.55],
 *              hex "8f14e45fceea167a5a36dedd4bea2543" [3.59], UUID tokens [3.39, over the hex threshold]
 *   kept       "P@ssw0rd123!" [3.42], "test-token-1234" [3.32], "s3cr3tP4ssw0rd" [3.18],
 *              "hunter2hunter2" [2.81]: weak, human-made samples, far more often docs than credentials
 * Entropy alone does not tell code from secrets: "Please enter your password" [3.69], "access_token_expired"
 * [3.62], "models/tokenizer.json" [3.75] and "https://oauth2.googleapis.com/token" [4.03] all clear 3.5.
 * Shape filters keep those: printable ASCII without spaces, not words, not a URL, not a placeholder.
 */
import { shannonEntropy } from "./entropy.ts";
import { looksLikePlaceholder } from "./placeholder.ts";

export const MIN_ENTROPY_BITS = 3.5;
export const MIN_HEX_ENTROPY_BITS = 3.0;
const MIN_VALUE_LENGTH = 12;

/** Keys and tokens are printable ASCII without spaces; text with spaces or other scripts is prose. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** Identifiers, paths, MIME types and camel-case phrases: no digits, and each run of letters word-shaped. */
const WORD_PART = /^(?:[a-z]+|[A-Z]+|[A-Z]?[a-z]{2,}(?:[A-Z]+[a-z]+)*[A-Z]*)$/;
const NON_LETTERS = /[^A-Za-z]+/;

export function looksLikeSecret(value: string): boolean {
  if (value.length < MIN_VALUE_LENGTH) return false;
  if (!PRINTABLE_ASCII.test(value)) return false; // prose: labels, messages, translated strings
  if (value.includes("://")) return false; // URLs; their passwords are the url_password rule's
  if (looksLikePlaceholder(value)) return false;
  if (looksLikeWords(value)) return false;
  const threshold = /^[0-9a-fA-F-]+$/.test(value) ? MIN_HEX_ENTROPY_BITS : MIN_ENTROPY_BITS;
  return shannonEntropy(value) >= threshold;
}

/** "access_token_expired", "application/json", "CorrectHorseBattery": no digits, and every part a word. */
export function looksLikeWords(value: string): boolean {
  if (/\d/.test(value)) return false;
  return value
    .split(NON_LETTERS)
    .filter((part) => part.length > 0)
    .every((part) => WORD_PART.test(part));
}

/** Code rather than a value: calls, indexing, generics, blocks, member paths (`config.db.password`). */
export function looksLikeCode(value: string): boolean {
  return /[()[\]{}<>]/.test(value) || /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value);
}

/** Runs a keyless secret is looked for in: base64, base64url and key alphabets. */
export const CANDIDATE_RUN = /[A-Za-z0-9+/_-]{20,}={0,2}/g;
export const MIN_RANDOM_LENGTH = 20;
/** Longer runs are embedded data (fonts, images, fixtures) far more often than credentials. */
export const MAX_RANDOM_LENGTH = 128;
/** A random string over [A-Za-z0-9] of length 20 has ~4.2 bits/char; camel-case names rarely reach 4. */
const MIN_RANDOM_ENTROPY_BITS = 4.0;
/**
 * Mean length of a run's camel-case segments (`Version`, `2`, `And`): ~1.7 when random, 4 and more in
 * names such as someFunctionNameWithVersion2AndMore.
 */
const MAX_MEAN_SEGMENT = 3;
const SEGMENT = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+/g;

/**
 * A run that only a generator writes: 20 to 128 characters mixing upper case, lower case and digits, with
 * high entropy and short camel-case segments (words make long ones). Hex (hashes, UUIDs, colours) is left alone: without a name that
 * says secret it is far more often a checksum or an id.
 */
export function looksRandom(run: string): boolean {
  if (run.length < MIN_RANDOM_LENGTH || run.length > MAX_RANDOM_LENGTH) return false;
  if (/^[0-9a-fA-F-]+$/.test(run)) return false;
  if (looksLikePlaceholder(run)) return false;
  if (shannonEntropy(run) < MIN_RANDOM_ENTROPY_BITS) return false;
  // The randomness must be in one piece: ids joined by - _ / . (myrepo-1a2b3c4d/20261123T180000Z-abcdef12)
  // are made of short, each unremarkable, parts.
  const piece = longestPiece(run);
  if (piece.length < MIN_RANDOM_PIECE) return false;
  if (!/[a-z]/.test(piece) || !/[A-Z]/.test(piece) || !/\d/.test(piece)) return false;
  return meanSegmentLength(piece) <= MAX_MEAN_SEGMENT;
}

/** Random keys have an unbroken stretch this long between separators; base64 breaks it with +, which stays in. */
const MIN_RANDOM_PIECE = 16;

function longestPiece(run: string): string {
  let longest = "";
  for (const piece of run.split(/[-_/.]+/)) if (piece.length > longest.length) longest = piece;
  return longest;
}

function meanSegmentLength(run: string): number {
  const segments = run.match(SEGMENT) ?? [];
  return segments.length === 0 ? Number.POSITIVE_INFINITY : segments.join("").length / segments.length;
}
