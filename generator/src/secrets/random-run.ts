/**
 * Random-looking runs with no name to give them away: `const K = "Xk29fLq8Zr41…"`, `client.init("…")`, a
 * value in a JSON array, an unquoted YAML value. value-shape.ts looksRandom says what random means (mixed
 * case and digits, high entropy, 20–128 chars, not hex); only the run is replaced.
 *
 * Left alone: a run alone on its line (the body of a PEM certificate or public key, an embedded base64
 * blob), the payload of a data URL and subresource-integrity hashes (`sha384-…`): embedded data, not
 * credentials; Stripe test and publishable keys, which are public. Runs longer than 128 characters are data too and stay whole.
 */
import type { SecretSpan } from "./spans.ts";
import { CANDIDATE_RUN, looksRandom } from "./value-shape.ts";

const EMBEDDED_DATA_BEFORE = /base64,$/;
const INTEGRITY_HASH = /^sha(?:1|256|384|512)-/;
/** Keys meant to be shared: Stripe test keys and publishable keys ship in client code and docs. */
const PUBLIC_KEY = /^(?:[spr]k_test_|pk_live_)/;
const BLANKS = " \t\r";

export function findRandomRuns(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  for (const match of text.matchAll(new RegExp(CANDIDATE_RUN))) {
    const run = match[0];
    const start = match.index;
    const end = start + run.length;
    if (!looksRandom(run) || PUBLIC_KEY.test(run) || INTEGRITY_HASH.test(run)) continue;
    if (EMBEDDED_DATA_BEFORE.test(text.slice(Math.max(0, start - 7), start))) continue;
    if (aloneOnItsLine(text, start, end)) continue;
    spans.push([start, end]);
  }
  return spans;
}

/** Only blanks between the run and both line ends; scans the blanks only, so many runs on a long line stay linear. */
function aloneOnItsLine(text: string, start: number, end: number): boolean {
  let before = start;
  while (before > 0 && BLANKS.includes(text.charAt(before - 1))) before--;
  if (before > 0 && text.charAt(before - 1) !== "\n") return false;
  let after = end;
  while (after < text.length && BLANKS.includes(text.charAt(after))) after++;
  return after === text.length || text.charAt(after) === "\n";
}
