/**
 * A qwen2 GGUF as a Hugging Face model: llama.cpp's tensor names mapped to transformers' Qwen2 names, and the
 * config.json / tokenizer_config.json / generation_config.json fields from GGUF metadata — the same mapping
 * transformers' GGUF loader (integrations/ggml.py, modeling_gguf_pytorch_utils.py) applies. llama.cpp permutes
 * the Q/K rows of llama-architecture models, not of qwen2, so no tensor is permuted back.
 */
import { UnsupportedModelError } from "../../errors.ts";
import type { GgufFile } from "./read.ts";

const LAYER_TENSORS: Record<string, string> = {
  attn_norm: "input_layernorm",
  ffn_norm: "post_attention_layernorm",
  attn_q: "self_attn.q_proj",
  attn_k: "self_attn.k_proj",
  attn_v: "self_attn.v_proj",
  attn_output: "self_attn.o_proj",
  ffn_gate: "mlp.gate_proj",
  ffn_up: "mlp.up_proj",
  ffn_down: "mlp.down_proj",
};

const GLOBAL_TENSORS: Record<string, string> = {
  token_embd: "model.embed_tokens",
  output_norm: "model.norm",
  output: "lm_head",
};

/** The Hugging Face name of a llama.cpp tensor name (e.g. blk.3.attn_q.bias → model.layers.3.self_attn.q_proj.bias). */
export function hfTensorName(ggufName: string): string {
  const layer = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/.exec(ggufName);
  if (layer) {
    const module = LAYER_TENSORS[layer[2] as string];
    if (module) return `model.layers.${layer[1]}.${module}.${layer[3]}`;
  } else {
    const global = /^(\w+)\.(weight|bias)$/.exec(ggufName);
    const module = global ? GLOBAL_TENSORS[global[1] as string] : undefined;
    if (global && module) return `${module}.${global[2]}`;
  }
  throw new UnsupportedModelError(`GGUF tensor ${ggufName} has no Qwen2 equivalent`);
}

/** config.json for the GGUF's model (the fields parseDecoderConfig and adapters read). */
export function hfConfig(gguf: GgufFile): Record<string, unknown> {
  const arch = gguf.get<string>("general.architecture", "string");
  if (arch !== "qwen2")
    throw new UnsupportedModelError(`${gguf.path}: GGUF architecture ${arch} is not supported (only qwen2)`);
  const num = (key: string) => gguf.get<number>(`${arch}.${key}`, "number");
  const tokens = gguf.get<string[]>("tokenizer.ggml.tokens", "array");
  const optional = (key: string) => gguf.metadata.get(key) as number | undefined;
  return {
    architectures: ["Qwen2ForCausalLM"],
    model_type: "qwen2",
    hidden_act: "silu",
    hidden_size: num("embedding_length"),
    intermediate_size: num("feed_forward_length"),
    num_hidden_layers: num("block_count"),
    num_attention_heads: num("attention.head_count"),
    num_key_value_heads: num("attention.head_count_kv"),
    rms_norm_eps: num("attention.layer_norm_rms_epsilon"),
    rope_parameters: { rope_theta: num("rope.freq_base"), rope_type: "default" },
    max_position_embeddings: num("context_length"),
    vocab_size: tokens.length,
    tie_word_embeddings: !gguf.tensors.has("output.weight"),
    use_sliding_window: false,
    bos_token_id: optional("tokenizer.ggml.bos_token_id") ?? null,
    eos_token_id: optional("tokenizer.ggml.eos_token_id") ?? null,
    pad_token_id: optional("tokenizer.ggml.padding_token_id") ?? null,
    dtype: "bfloat16",
    repolora_source: { format: "gguf", name: gguf.metadata.get("general.name") ?? null },
  };
}
