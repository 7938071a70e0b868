/** Deterministic randomness: every sampling decision derives from the seed and a stable key (path, commit). */
import { createHash } from "node:crypto";

export type Random = () => number;

/** mulberry32: small, fast, good enough for sampling and bootstrap resampling. Floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator seeded from a hash of the seed and a stable key (path, commit), so each file samples alike. */
export function seededRandom(seed: number, key: string): Random {
  return mulberry32(createHash("sha256").update(`${seed}\0${key}`).digest().readUInt32LE(0));
}

export function stableId(...parts: Array<string | number>): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}
