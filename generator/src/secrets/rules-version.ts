/**
 * The identity of the scrubbing rules, for caches that hold scrubbed text (the scrub and record caches):
 * a cache written under other rules may hold what today's rules would remove, so it must not be reused.
 * The fingerprint digests this version and the sources of generator/src/secrets, so editing a rule
 * invalidates those caches without anyone remembering to bump the number; bump it for a change the
 * sources do not show (say, a data file the rules start reading). The compiled CLI has no sources: its
 * bundle, which holds them, is digested instead.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compiledBundle } from "../../../runtime/src/util/package-root.ts";

export const SCRUB_RULES_VERSION = 2;

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
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".ts") || name.endsWith(".test.ts")) continue;
    hash
      .update(`${name}\0`)
      .update(readFileSync(join(dir, name)))
      .update("\0");
  }
  fingerprint = `${SCRUB_RULES_VERSION}-${hash.digest("hex").slice(0, 16)}`;
  return fingerprint;
}
