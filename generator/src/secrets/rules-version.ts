/**
 * The identity of the scrubbing rules, for caches that hold scrubbed text (the scrub and record caches):
 * a cache written under other rules may hold what today's rules would remove, so it must not be reused.
 * The fingerprint digests this version, the sources of generator/src/secrets and the secret-file rules of the
 * contracts leaf (runtime/src/contracts/file-selection.ts), so editing a rule
 * invalidates those caches without anyone remembering to bump the number; bump it for a change the
 * sources do not show (say, a data file the rules start reading). The compiled CLI has no sources: its
 * bundle, which holds them, is digested instead.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compiledBundle } from "../../../runtime/src/util/package-root.ts";

export const SCRUB_RULES_VERSION = 2;

/** Where the secret-file rules live (they moved out of this folder into the shared contracts leaf). */
const SECRET_RULES_SOURCE = new URL("../../../runtime/src/contracts/file-selection.ts", import.meta.url);

let fingerprint: string | undefined;

export function scrubRulesFingerprint(): string {
  if (fingerprint) return fingerprint;
  const dir = fileURLToPath(new URL(".", import.meta.url));
  const hash = createHash("sha256").update(`scrub-rules-v${SCRUB_RULES_VERSION}\0`);
  const bundle = compiledBundle();
  if (bundle) {
    fingerprint = `${SCRUB_RULES_VERSION}-${hash.update(readFileSync(bundle)).digest("hex").slice(0, 16)}`;
    return fingerprint;
  }
  const sources = readdirSync(dir)
    .sort()
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => join(dir, name));
  sources.push(fileURLToPath(SECRET_RULES_SOURCE));
  for (const path of sources) {
    hash
      .update(`${basename(path)}\0`)
      .update(readFileSync(path))
      .update("\0");
  }
  fingerprint = `${SCRUB_RULES_VERSION}-${hash.digest("hex").slice(0, 16)}`;
  return fingerprint;
}
