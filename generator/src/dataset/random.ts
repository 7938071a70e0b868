/** Deterministic randomness: every sampling decision derives from the seed and a stable key (path, commit). */
import { createHash } from "node:crypto";
import { mulberry32, type Random } from "../../../runtime/src/util/random.ts";

export { mulberry32, type Random };

/** A generator seeded from a hash of the seed and a stable key (path, commit), so each file samples alike. */
export function seededRandom(seed: number, key: string): Random {
  return mulberry32(createHash("sha256").update(`${seed}\0${key}`).digest().readUInt32LE(0));
}

export function stableId(...parts: Array<string | number>): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}
