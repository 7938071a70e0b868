/**
 * The benchmark's statistics: means and paired-bootstrap intervals of differences between two systems scored
 * on the same examples. The per-example scores come from the trainer's metrics (generator/trainer/tools/
 * bench_eval.py); only their aggregation lives here, so two dataset variants can be paired by example id.
 */

import { mulberry32 } from "../../generator/src/dataset/random.ts";

/** Reproducible intervals: the dataset's seeded PRNG (mulberry32), seeded directly. Floats in [0, 1). */
export function seededUniform(seed: number): () => number {
  return mulberry32(seed);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Quantile of sorted values with linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const weight = position - low;
  return sorted[low]! * (1 - weight) + sorted[high]! * weight;
}

export interface Interval {
  mean: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  confidence: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 1000, seed: 0, confidence: 0.95 };

/**
 * Percentile bootstrap interval of mean(treatment − control), resampling examples in pairs (the same resampled
 * examples for both systems). `mean` is the observed difference.
 *
 * The one algorithm of the project (docs/decisions/2026-12-05-one-bootstrap.md); the trainer's report card
 * (generator/trainer/repolora_trainer/metrics.py, paired_bootstrap) gives the same intervals to the last bit,
 * both checked against test/fixtures/bootstrap/paired-bootstrap.json: resample r picks example floor(u · n) for
 * the draws u = r·n … r·n+n−1 of mulberry32(seed); its mean is the left-to-right sum over n; the ends are the
 * (1−confidence)/2 and 1−(1−confidence)/2 quantiles of the sorted means (linear interpolation).
 */
export function pairedBootstrap(
  treatment: readonly number[],
  control: readonly number[],
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Interval {
  if (treatment.length !== control.length)
    throw new Error(
      `paired bootstrap needs two equally long score lists (${treatment.length} ≠ ${control.length})`,
    );
  const n = treatment.length;
  if (n === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN };
  const diffs = treatment.map((t, i) => t - control[i]!);
  const random = seededUniform(options.seed);
  const means = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r += 1) {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += diffs[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  const sorted = [...means].sort((a, b) => a - b);
  const alpha = (1 - options.confidence) / 2;
  return { mean: mean(diffs), low: quantile(sorted, alpha), high: quantile(sorted, 1 - alpha) };
}

/** An interval that excludes zero: the difference is unlikely to be noise at the chosen confidence. */
export function isSignificant(interval: Interval): boolean {
  return interval.low > 0 || interval.high < 0;
}
