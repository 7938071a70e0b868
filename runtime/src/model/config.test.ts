import { describe, expect, it } from "vitest";
import { UnsupportedModelError } from "../errors.ts";
import { parseDecoderConfig } from "./config.ts";
import { loraGroups, loraTargets } from "./lora-targets.ts";

/** Qwen2.5-Coder-0.5B's config.json (transformers 4 layout), as published. */
const qwenCoder05b = {
  architectures: ["Qwen2ForCausalLM"],
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: "silu",
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: "qwen2",
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

describe("parseDecoderConfig", () => {
  it("reads Qwen2.5-Coder-0.5B and lists its 168 LoRA targets", () => {
    const config = parseDecoderConfig(qwenCoder05b);
    expect(config).toEqual({
      modelType: "qwen2",
      vocabSize: 151936,
      hiddenSize: 896,
      intermediateSize: 4864,
      numLayers: 24,
      numHeads: 14,
      numKvHeads: 2,
      headDim: 64,
      rmsNormEps: 1e-6,
      ropeTheta: 1_000_000,
      maxPositions: 32768,
      tieWordEmbeddings: true,
    });
    const targets = loraTargets(config);
    expect(targets).toHaveLength(24 * 7);
    expect(targets[1]).toMatchObject({
      path: "model.layers.0.self_attn.k_proj",
      inFeatures: 896,
      outFeatures: 128,
    });
    const groups = loraGroups(config);
    expect(groups.map((g) => g.name).slice(0, 4)).toEqual(["qkv", "o", "gate_up", "down"]);
    expect(groups[0]).toMatchObject({
      path: "model.layers.0.self_attn.qkv_proj",
      inFeatures: 896,
      outFeatures: 896 + 128 + 128,
      inputA: "model.layers.0.self_attn.qkv_proj.lora_A",
      rankDim: "lora_rank.0.qkv",
      members: [
        { path: "model.layers.0.self_attn.q_proj", outOffset: 0, outFeatures: 896 },
        { path: "model.layers.0.self_attn.k_proj", outOffset: 896, outFeatures: 128 },
        { path: "model.layers.0.self_attn.v_proj", outOffset: 1024, outFeatures: 128 },
      ],
    });
    expect(groups[3]).toMatchObject({
      path: "model.layers.0.mlp.down_proj",
      inFeatures: 4864,
      outFeatures: 896,
    });
  });

  it("reads the transformers 5 layout (rope_parameters) and an explicit head_dim", () => {
    const config = parseDecoderConfig({
      ...qwenCoder05b,
      model_type: "llama",
      rope_theta: undefined,
      rope_parameters: { rope_theta: 500000, rope_type: "default" },
      head_dim: 128,
    });
    expect(config).toMatchObject({ modelType: "llama", ropeTheta: 500000, headDim: 128 });
  });

  it.each([
    [{ model_type: "gpt2" }, /model_type "gpt2" is not supported; supported: qwen2, llama/],
    [{ rope_scaling: { type: "yarn", factor: 4 } }, /rope type "yarn" is not supported yet/],
    [{ use_sliding_window: true }, /use_sliding_window: true is not supported yet/],
    [{ hidden_act: "gelu" }, /hidden_act "gelu" is not supported/],
    [{ num_key_value_heads: 3 }, /not a multiple of num_key_value_heads 3/],
    [{ hidden_size: "896" }, /"hidden_size" must be a positive integer, got "896"/],
  ])("refuses %j", (patch, message) => {
    expect(() => parseDecoderConfig({ ...qwenCoder05b, ...patch }, "x/config.json")).toThrow(
      UnsupportedModelError,
    );
    expect(() => parseDecoderConfig({ ...qwenCoder05b, ...patch }, "x/config.json")).toThrow(message);
  });
});
