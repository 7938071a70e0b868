/**
 * The decoder's hyper-parameters, read once from a Hugging Face config.json (Qwen2 or Llama architecture),
 * in both the transformers 4 layout (`rope_theta`, `rope_scaling`) and the transformers 5 one (`rope_parameters`).
 */
import { UnsupportedModelError } from "../errors.ts";

export const SUPPORTED_MODEL_TYPES = ["qwen2", "llama"] as const;
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

export interface DecoderConfig {
  modelType: ModelType;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositions: number;
  tieWordEmbeddings: boolean;
}

type Json = Record<string, unknown>;

export function parseDecoderConfig(config: Json, source = "config.json"): DecoderConfig {
  const fail = (message: string): never => {
    throw new UnsupportedModelError(`${source}: ${message}`);
  };
  const int = (key: string, fallback?: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      return fail(`"${key}" must be a positive integer, got ${JSON.stringify(config[key])}`);
    }
    return value;
  };

  const modelType = config.model_type;
  if (!SUPPORTED_MODEL_TYPES.includes(modelType as ModelType)) {
    fail(
      `model_type ${JSON.stringify(modelType)} is not supported; supported: ${SUPPORTED_MODEL_TYPES.join(", ")}`,
    );
  }
  const hiddenAct = config.hidden_act ?? "silu";
  if (hiddenAct !== "silu") fail(`hidden_act "${String(hiddenAct)}" is not supported (only silu)`);
  if (config.use_sliding_window === true) fail("use_sliding_window: true is not supported yet");

  const rope = (config.rope_parameters ?? {}) as Json;
  const ropeScaling = (config.rope_scaling ?? null) as Json | null;
  const ropeType = rope.rope_type ?? ropeScaling?.rope_type ?? ropeScaling?.type ?? "default";
  if (ropeType !== "default")
    fail(`rope type "${String(ropeType)}" is not supported yet (only default RoPE)`);
  const ropeTheta = rope.rope_theta ?? config.rope_theta ?? 10_000;
  if (typeof ropeTheta !== "number" || ropeTheta <= 0) fail(`rope_theta must be a positive number`);

  const hiddenSize = int("hidden_size");
  const numHeads = int("num_attention_heads");
  const numKvHeads = int("num_key_value_heads", numHeads);
  const headDim = int("head_dim", hiddenSize / numHeads);
  if (numHeads % numKvHeads !== 0)
    fail(`num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  if (headDim % 2 !== 0) fail(`head_dim ${headDim} must be even for rotary embeddings`);
  const rmsNormEps = config.rms_norm_eps;
  if (typeof rmsNormEps !== "number" || rmsNormEps <= 0) fail(`rms_norm_eps must be a positive number`);

  return {
    modelType: modelType as ModelType,
    vocabSize: int("vocab_size"),
    hiddenSize,
    intermediateSize: int("intermediate_size"),
    numLayers: int("num_hidden_layers"),
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: rmsNormEps as number,
    ropeTheta: ropeTheta as number,
    maxPositions: int("max_position_embeddings"),
    tieWordEmbeddings: config.tie_word_embeddings === true,
  };
}
