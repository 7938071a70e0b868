/** The attention cache of one sequence: per layer, keys and values of every token seen so far. */
import type { Tensor } from "onnxruntime-node";

export interface KvCache {
  /** Tokens in the cache (past_sequence). */
  length: number;
  /** Per layer, (1, kv_heads, length, head_dim). */
  keys: Tensor[];
  values: Tensor[];
}
