/**
 * Stacks adapters exactly: per target, A = [A1 | A2] (columns) and B = [w1·B1 ; w2·B2] (rows), so
 * x·A·B = w1·x·A1·B1 + w2·x·A2·B2 — one branch of rank r1 + r2 instead of two.
 */
import { EngineError } from "../errors.ts";
import type { LoraPair, LoraTensors } from "./lora-tensors.ts";

export interface WeightedAdapter {
  adapter: LoraTensors;
  weight: number;
}

export function stackAdapters(parts: readonly WeightedAdapter[]): LoraTensors {
  if (parts.length === 0) throw new EngineError("stackAdapters needs at least one adapter");
  const baseModelId = parts[0]!.adapter.baseModelId;
  const other = parts.find((p) => p.adapter.baseModelId !== baseModelId);
  if (other) {
    throw new EngineError(
      `cannot stack ${other.adapter.name} (base ${other.adapter.baseModelId}) with adapters for ${baseModelId}`,
    );
  }
  const paths = new Set(parts.flatMap((p) => [...p.adapter.pairs.keys()]));
  const pairs = new Map<string, LoraPair>();
  for (const path of paths) {
    const present = parts.flatMap(({ adapter, weight }) => {
      const pair = adapter.pairs.get(path);
      return pair ? [{ pair, weight }] : [];
    });
    pairs.set(path, concatPairs(present));
  }
  const name = `stack(${parts.map((p) => `${p.adapter.name}×${p.weight}`).join(", ")})`;
  return { name, baseModelId, pairs };
}

function concatPairs(present: { pair: LoraPair; weight: number }[]): LoraPair {
  const rank = present.reduce((sum, { pair }) => sum + pair.rank, 0);
  const first = present[0]!.pair;
  const inFeatures = first.a.length / first.rank;
  const outFeatures = first.b.length / first.rank;
  const a = new Float32Array(inFeatures * rank); // (in, r1 + r2 + …)
  const b = new Float32Array(rank * outFeatures); // (r1 + r2 + …, out)
  let column = 0;
  for (const { pair, weight } of present) {
    for (let row = 0; row < inFeatures; row++) {
      a.set(pair.a.subarray(row * pair.rank, (row + 1) * pair.rank), row * rank + column);
    }
    const scaledB = b.subarray(column * outFeatures, (column + pair.rank) * outFeatures);
    for (let i = 0; i < scaledB.length; i++) scaledB[i] = weight * pair.b[i]!;
    column += pair.rank;
  }
  return { rank, a, b };
}
