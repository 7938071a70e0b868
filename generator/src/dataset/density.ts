/**
 * How many FIM examples a file gives: a density (examples per 100 lines, so a file's count scales with its
 * size), and a total budget that, when exceeded, scales every file's count down alike (deterministic for a
 * seed). See docs/decisions/2026-12-05-dataset-density.md.
 */
import { createHash } from "node:crypto";

/**
 * Named densities, in examples per 100 lines. `sparse` is what datasets had before the option (one example
 * per 25 lines); `all` takes every eligible span of every file.
 */
export const DENSITY_LEVELS = { sparse: 4, medium: 12, dense: 32, all: Number.POSITIVE_INFINITY } as const;
export type DensityLevel = keyof typeof DENSITY_LEVELS;

/** The default density (docs/decisions/2026-12-05-dataset-density.md says why it stays sparse for now). */
export const DEFAULT_DENSITY: DensityLevel = "sparse";

/**
 * Evaluation's density is its own setting, sparse unless asked (--eval-density): adapters trained at any
 * density are then scored on the same held-out examples, and the training set loses the same middles to dedup.
 */
export const DEFAULT_EVAL_DENSITY: DensityLevel = "sparse";

/**
 * A file's lines past this many add no examples, so one huge file cannot dominate; with the sparse density
 * this is the former cap of 40 examples per file.
 */
export const LINES_COUNTED_PER_FILE = 1000;

/** "dense", "12" or "2.5" → examples per 100 lines (Infinity for `all`); anything else is an error. */
export function parseDensity(text: string): number {
  if (text in DENSITY_LEVELS) return DENSITY_LEVELS[text as DensityLevel];
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new Error(
      `bad density '${text}': give examples per 100 lines (> 0) or one of ${Object.keys(DENSITY_LEVELS).join(", ")}`,
    );
  }
  return value;
}

/** The level's name for a density, or "custom". */
export function densityLevel(density: number): DensityLevel | "custom" {
  const found = Object.entries(DENSITY_LEVELS).find(([, value]) => value === density);
  return found ? (found[0] as DensityLevel) : "custom";
}

/**
 * Examples one file asks for: density × its (eligible) lines / 100, at least one, lines counted up to
 * LINES_COUNTED_PER_FILE, never more than it has eligible spans. At `all`, every eligible span, pro rata
 * for a file longer than LINES_COUNTED_PER_FILE (so a 5,000-line test file gives a fifth of its spans).
 */
export function examplesWanted(density: number, eligibleLines: number, eligibleSpans: number): number {
  if (eligibleSpans === 0) return 0;
  if (density === Number.POSITIVE_INFINITY) {
    const share = Math.min(1, LINES_COUNTED_PER_FILE / Math.max(1, eligibleLines));
    return Math.max(1, Math.round(eligibleSpans * share));
  }
  const byLines = Math.round((density * Math.min(eligibleLines, LINES_COUNTED_PER_FILE)) / 100);
  return Math.min(eligibleSpans, Math.max(1, byLines));
}

/**
 * Caps the total of `wanted` (one count per key) at `max`: every count is scaled by max / total (so each
 * line of code keeps the same chance), floored, and the examples left over go to the largest remainders,
 * ties broken by a seeded hash of the key. Deterministic for (wanted, keys, max, seed); under the budget,
 * the counts are returned unchanged.
 */
export function allocateBudget(
  wanted: readonly number[],
  keys: readonly string[],
  max: number | null,
  seed: number,
): number[] {
  const total = wanted.reduce((sum, n) => sum + n, 0);
  if (max === null || total <= max) return [...wanted];
  const scale = max / total;
  const counts = wanted.map((n) => Math.floor(n * scale));
  const order = wanted
    .map((n, i) => ({ i, remainder: n * scale - counts[i]!, tie: tieBreak(seed, keys[i]!) }))
    .filter((entry) => entry.remainder > 0)
    .sort((a, b) => b.remainder - a.remainder || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : a.i - b.i));
  let left = max - counts.reduce((sum, n) => sum + n, 0);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  return counts;
}

function tieBreak(seed: number, key: string): string {
  return createHash("sha256").update(`${seed}\0budget\0${key}`).digest("hex");
}

export interface PerFileStats {
  /** Files with at least one example. */
  files: number;
  mean: number;
  median: number;
  p90: number;
  max: number;
}

/** Examples-per-file statistics over the files that gave at least one example. */
export function perFileStats(counts: Iterable<number>): PerFileStats {
  const sorted = [...counts].filter((n) => n > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return { files: 0, mean: 0, median: 0, p90: 0, max: 0 };
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = sorted.reduce((sum, n) => sum + n, 0) / sorted.length;
  return {
    files: sorted.length,
    mean: Math.round(mean * 100) / 100,
    median: at(0.5),
    p90: at(0.9),
    max: sorted[sorted.length - 1]!,
  };
}
