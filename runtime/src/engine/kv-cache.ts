/** The attention cache of one sequence: per layer, keys and values of every token seen so far. */
import ort, { type Tensor } from "onnxruntime-node";

export interface KvCache {
  /** Tokens in the cache (past_sequence). */
  length: number;
  /** Per layer, (1, kv_heads, length, head_dim). */
  keys: Tensor[];
  values: Tensor[];
}

/** The cache of the first `length` tokens (a copy; the source is left as it is). */
export function truncateCache(cache: KvCache, length: number): KvCache {
  if (length < 0 || length > cache.length) {
    throw new RangeError(`cannot truncate a cache of ${cache.length} tokens to ${length}`);
  }
  if (length === cache.length) return cache;
  const cut = (tensor: Tensor): Tensor => {
    const [batch, heads, past, headDim] = tensor.dims as [number, number, number, number];
    const data = tensor.data as Float32Array;
    const out = new Float32Array(batch * heads * length * headDim);
    // (B, kv, P, hd) → (B, kv, L, hd): each (batch, head) row block keeps its first L positions.
    for (let row = 0; row < batch * heads; row++) {
      out.set(data.subarray(row * past * headDim, (row * past + length) * headDim), row * length * headDim);
    }
    return new ort.Tensor("float32", out, [batch, heads, length, headDim]);
  };
  return { length, keys: cache.keys.map(cut), values: cache.values.map(cut) };
}

export function cacheBytes(cache: KvCache): number {
  let bytes = 0;
  for (const t of [...cache.keys, ...cache.values]) bytes += (t.data as Float32Array).byteLength;
  return bytes;
}

/** Length of the longest common prefix of two token sequences. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
