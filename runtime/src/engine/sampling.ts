/**
 * Choosing the next token: greedy (argmax) by default; with a temperature > 0, sampling from the softmax of
 * logits / temperature restricted to the smallest set of tokens whose probability reaches top-p (nucleus).
 * Seeded, so a request with a seed is reproducible.
 */
import { mulberry32, type Random } from "../util/random.ts";

export interface Sampling {
  /** 0 (or absent) = greedy. */
  temperature: number;
  /** Nucleus mass in (0, 1]; 1 = the whole vocabulary. */
  topP: number;
  seed: number;
}

/** Index of the largest value (the first one on ties). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export type TokenChooser = (logits: Float32Array) => number;

export function tokenChooser(sampling: Sampling | undefined): TokenChooser {
  if (!sampling || !(sampling.temperature > 0)) return argmax;
  if (!(sampling.topP > 0 && sampling.topP <= 1))
    throw new RangeError(`topP must be in (0, 1], got ${sampling.topP}`);
  const random = mulberry32(sampling.seed);
  return (logits) => sampleNucleus(logits, sampling.temperature, sampling.topP, random);
}

export function sampleNucleus(
  logits: Float32Array,
  temperature: number,
  topP: number,
  random: Random,
): number {
  // softmax(logits / T), shifted by the max for stability
  let max = Number.NEGATIVE_INFINITY;
  for (const value of logits) if (value > max) max = value;
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    weights[i] = Math.exp((logits[i]! - max) / temperature);
    total += weights[i]!;
  }
  // The nucleus: most probable tokens first until their mass reaches topP (at least one token).
  const order = Array.from(weights.keys()).sort((a, b) => weights[b]! - weights[a]! || a - b);
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || mass < topP * total)) mass += weights[order[kept++]!]!;
  let roll = random() * mass;
  for (let i = 0; i < kept; i++) {
    roll -= weights[order[i]!]!;
    if (roll < 0) return order[i]!;
  }
  return order[kept - 1]!;
}

/** The logits with every token but `allowed` at −∞, so greedy and sampling can only pick one of them. */
export function onlyThese(logits: Float32Array, allowed: readonly number[]): Float32Array {
  const masked = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY);
  for (const id of allowed) if (id >= 0 && id < logits.length) masked[id] = logits[id]!;
  return masked;
}
