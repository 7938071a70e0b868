/**
 * Names and shapes of the decoder graph's inputs and outputs (besides the LoRA pairs, see lora-targets.ts).
 * Symbolic dims: batch, sequence (new tokens), past_sequence, total_sequence = past_sequence + sequence.
 *
 *   input_ids        int64   [batch, sequence]
 *   attention_mask   int64   [batch, total_sequence]     1 for every real token, past and new
 *   logits_to_keep   int64   [1]                         logits are computed for the last k positions only
 *   past_key_values.{i}.key / .value  float32 [batch, kv_heads, past_capacity, head_dim]
 *                                     the first past_sequence = total_sequence - sequence positions are the
 *                                     cache; the rest is room (kv-cache.ts)
 *   logits           float32 [batch, k, vocab]
 *   new_key_values.{i}.key / .value   float32 [batch, kv_heads, sequence, head_dim]
 *                                     keys and values of the new tokens only, for the caller to append
 *
 * No position_ids: a sequence's new tokens sit right after its cache (positions past_sequence + i), and
 * GroupQueryAttention applies the rotary embedding from those lengths itself.
 */
export const GRAPH_INPUT = {
  inputIds: "input_ids",
  attentionMask: "attention_mask",
  logitsToKeep: "logits_to_keep",
} as const;

export const GRAPH_OUTPUT = { logits: "logits" } as const;

export const pastKeyName = (layer: number): string => `past_key_values.${layer}.key`;
export const pastValueName = (layer: number): string => `past_key_values.${layer}.value`;
export const newKeyName = (layer: number): string => `new_key_values.${layer}.key`;
export const newValueName = (layer: number): string => `new_key_values.${layer}.value`;
