/**
 * An adapter as the runtime feeds it: per LoRA target, A [in, r] and B [r, out] in float32, the scale already
 * folded into B. Targets an adapter does not cover are fed rank-0 (empty) tensors by the engine.
 */
export interface LoraPair {
  rank: number;
  /** [inFeatures, rank], row-major */
  a: Float32Array;
  /** [rank, outFeatures], row-major, scaled */
  b: Float32Array;
}

export interface LoraTensors {
  /** For logs and errors: the adapter folder, or "stack(a×0.5, b×1)". */
  name: string;
  /** The base model id the tensors were checked against. */
  baseModelId: string;
  /** By target path ("model.layers.0.self_attn.q_proj"); absent = not covered (rank 0). */
  pairs: Map<string, LoraPair>;
}

export function loraTensorBytes(tensors: LoraTensors): number {
  let bytes = 0;
  for (const pair of tensors.pairs.values()) bytes += pair.a.byteLength + pair.b.byteLength;
  return bytes;
}
