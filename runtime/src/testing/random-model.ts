/**
 * Random-weight Qwen2/Llama models and PEFT adapters written in the Hugging Face layout, for tests and
 * benchmarks (no Python, no hub): a tiny model the server tests complete with, and a Qwen2.5-0.5B-shaped one
 * whose speed is the real model's (speed does not depend on the weights' values). Deterministic per seed.
 *
 *   <dir>/config.json, model.safetensors (written tensor by tensor), tokenizer.json, tokenizer_config.json
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { DecoderConfig } from "../model/config.ts";
import { LORA_MODULES, type LoraModule, loraTargetPath, projectionShape } from "../model/lora-targets.ts";

export interface RandomModelSpec extends Omit<DecoderConfig, "headDim"> {
  /** Stored dtype of the weights. */
  dtype: "F32" | "BF16";
  seed: number;
  /** The tokenizer's characters (see byteTokenizerJson). */
  alphabet: "bytes" | "ascii";
}

/**
 * Tiny: every shape small, q/k/v biases and tied embeddings like Qwen2.5-Coder; the vocabulary is the special
 * tokens and printable ASCII, so completions are readable text (7 + 97 tokens).
 */
export const TINY_QWEN2: RandomModelSpec = {
  modelType: "qwen2",
  vocabSize: 104,
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  rmsNormEps: 1e-6,
  ropeTheta: 1_000_000,
  maxPositions: 1024,
  tieWordEmbeddings: true,
  dtype: "F32",
  seed: 1,
  alphabet: "ascii",
};

/** Qwen2.5-Coder-0.5B's shapes (its config.json), random bf16 weights. */
export const QWEN25_CODER_05B_SHAPE: RandomModelSpec = {
  modelType: "qwen2",
  vocabSize: 151_936,
  hiddenSize: 896,
  intermediateSize: 4864,
  numLayers: 24,
  numHeads: 14,
  numKvHeads: 2,
  rmsNormEps: 1e-6,
  ropeTheta: 1_000_000,
  maxPositions: 32_768,
  tieWordEmbeddings: true,
  dtype: "BF16",
  seed: 2,
  alphabet: "bytes",
};

/** Qwen2.5-Coder's special tokens, ids 0… in this order; `<|endoftext|>` (0) is eos. */
export const SPECIAL_TOKENS = [
  "<|endoftext|>",
  "<|fim_prefix|>",
  "<|fim_middle|>",
  "<|fim_suffix|>",
  "<|fim_pad|>",
  "<|repo_name|>",
  "<|file_sep|>",
];

/** A seeded generator of normal-ish floats (sum of uniforms; the exact distribution does not matter). */
export function randomFloats(seed: number): (n: number, std: number, mean?: number) => Float32Array {
  let state = (seed * 2654435761) >>> 0 || 1;
  const uniform = () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  return (n, std, mean = 0) => {
    const out = new Float32Array(n);
    // Irwin–Hall with 3 terms: variance 3/12 = 1/4, so scale by 2·std.
    for (let i = 0; i < n; i++) out[i] = mean + 2 * std * (uniform() + uniform() + uniform() - 1.5);
    return out;
  };
}

/** GPT-2's byte → printable character table, as byte-level BPE tokenizers store bytes. */
export function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : next++));
}

/**
 * A byte-level BPE tokenizer.json: the special tokens, then one token per character of `alphabet` (no merges),
 * padded to `vocabSize` with never-produced two-character byte tokens so every id decodes.
 * `"ascii"` (printable ASCII, tab, newline) makes a random model's output readable text; `"bytes"` encodes
 * any input.
 */
export function byteTokenizerJson(vocabSize: number, alphabet: "bytes" | "ascii" = "bytes"): object {
  const table = byteLevelAlphabet();
  const ascii = (b: number) => (b >= 32 && b <= 126) || b === 9 || b === 10;
  const symbols = alphabet === "ascii" ? table.filter((_, b) => ascii(b)) : table;
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((token, id) => {
    vocab[token] = id;
  });
  let id = SPECIAL_TOKENS.length;
  for (const ch of symbols) vocab[ch] = id++;
  for (let i = 0; id < vocabSize; i++) {
    const token =
      table[i % 256]! + table[Math.floor(i / 256) % 256]! + (i >= 65536 ? table[Math.floor(i / 65536)]! : "");
    if (vocab[token] === undefined) vocab[token] = id++;
  }
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, tokenId) => ({
      id: tokenId,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}

interface TensorSpec {
  name: string;
  shape: number[];
  /** Produces the values when the tensor is written (one tensor in memory at a time). */
  values: () => Float32Array;
}

function modelTensors(spec: RandomModelSpec): TensorSpec[] {
  const random = randomFloats(spec.seed);
  const { hiddenSize: H, vocabSize: V, numLayers } = spec;
  const config = { ...spec, headDim: H / spec.numHeads };
  const embedding = () => {
    const table = random(V * H, 0.5);
    // Special tokens' rows shrunk: with tied embeddings their logits stay low, so random completions run on
    // as text instead of ending at once with a stop token.
    table.subarray(0, SPECIAL_TOKENS.length * H).forEach((v, i, row) => {
      row[i] = v * 0.2;
    });
    return table;
  };
  const tensors: TensorSpec[] = [{ name: "model.embed_tokens.weight", shape: [V, H], values: embedding }];
  const norm = (name: string) => ({ name, shape: [H], values: () => random(H, 0.1, 1) });
  for (let layer = 0; layer < numLayers; layer++) {
    const prefix = `model.layers.${layer}`;
    tensors.push(norm(`${prefix}.input_layernorm.weight`), norm(`${prefix}.post_attention_layernorm.weight`));
    for (const module of LORA_MODULES) {
      const [inF, outF] = projectionShape(config, module);
      const path = loraTargetPath(layer, module);
      // Wider than HF's init (std 0.02) so logits spread and a wrong adapter shows.
      tensors.push({ name: `${path}.weight`, shape: [outF, inF], values: () => random(outF * inF, 0.15) });
      if (spec.modelType === "qwen2" && ["q_proj", "k_proj", "v_proj"].includes(module)) {
        tensors.push({ name: `${path}.bias`, shape: [outF], values: () => random(outF, 0.1) });
      }
    }
  }
  tensors.push(norm("model.norm.weight"));
  if (!spec.tieWordEmbeddings)
    tensors.push({ name: "lm_head.weight", shape: [V, H], values: () => random(V * H, 0.15) });
  return tensors;
}

/** bf16 bits of float32 values, rounded to nearest even. */
function toBf16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = bits[i]!;
    out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Writes a safetensors file tensor by tensor (never the whole model in memory). */
function writeSafetensorsStreaming(path: string, tensors: TensorSpec[], dtype: "F32" | "BF16"): void {
  const size = dtype === "F32" ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * size;
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const padded = Buffer.alloc(json.length + ((8 - (json.length % 8)) % 8), 0x20);
  json.copy(padded);
  const fd = openSync(path, "w");
  try {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(padded.length));
    writeAll(fd, length);
    writeAll(fd, padded);
    for (const t of tensors) {
      const values = t.values();
      const data = dtype === "F32" ? values : toBf16(values);
      writeAll(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** Writes a Hugging Face model folder with random weights and the byte-level tokenizer. */
export function writeRandomModel(dir: string, spec: RandomModelSpec): void {
  mkdirSync(dir, { recursive: true });
  const config = {
    architectures: [spec.modelType === "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"],
    model_type: spec.modelType,
    vocab_size: spec.vocabSize,
    hidden_size: spec.hiddenSize,
    intermediate_size: spec.intermediateSize,
    num_hidden_layers: spec.numLayers,
    num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads,
    hidden_act: "silu",
    max_position_embeddings: spec.maxPositions,
    rms_norm_eps: spec.rmsNormEps,
    rope_theta: spec.ropeTheta,
    tie_word_embeddings: spec.tieWordEmbeddings,
    use_sliding_window: false,
    bos_token_id: 0,
    eos_token_id: 0,
    torch_dtype: spec.dtype === "F32" ? "float32" : "bfloat16",
  };
  writeFileSync(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(
    join(dir, "tokenizer.json"),
    JSON.stringify(byteTokenizerJson(spec.vocabSize, spec.alphabet)),
  );
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    `${JSON.stringify({ tokenizer_class: "PreTrainedTokenizerFast", eos_token: "<|endoftext|>", add_bos_token: false }, null, 2)}\n`,
  );
  writeSafetensorsStreaming(join(dir, "model.safetensors"), modelTensors(spec), spec.dtype);
}

export interface RandomAdapterSpec {
  rank: number;
  alpha: number;
  /** base_model_name_or_path: the id the runtime checks against the package's. */
  baseModelId: string;
  seed: number;
  targets?: readonly LoraModule[];
  /** Std of the A and B values (PEFT initialises B to zero; a trained adapter is not). */
  std?: number;
}

/** Writes a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) for `model`. */
export function writeRandomAdapter(dir: string, model: RandomModelSpec, spec: RandomAdapterSpec): void {
  mkdirSync(dir, { recursive: true });
  const random = randomFloats(spec.seed);
  const targets = spec.targets ?? LORA_MODULES;
  const config = { ...model, headDim: model.hiddenSize / model.numHeads };
  const tensors: TensorSpec[] = [];
  for (let layer = 0; layer < model.numLayers; layer++) {
    for (const module of targets) {
      const [inF, outF] = projectionShape(config, module);
      const path = `base_model.model.${loraTargetPath(layer, module)}`;
      tensors.push({
        name: `${path}.lora_A.weight`,
        shape: [spec.rank, inF],
        values: () => random(spec.rank * inF, spec.std ?? 0.2),
      });
      tensors.push({
        name: `${path}.lora_B.weight`,
        shape: [outF, spec.rank],
        values: () => random(outF * spec.rank, spec.std ?? 0.2),
      });
    }
  }
  const adapterConfig = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: spec.baseModelId,
    r: spec.rank,
    lora_alpha: spec.alpha,
    lora_dropout: 0,
    target_modules: [...targets],
    bias: "none",
    use_rslora: false,
    use_dora: false,
    fan_in_fan_out: false,
    modules_to_save: null,
    layers_to_transform: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
  writeFileSync(join(dir, "adapter_config.json"), `${JSON.stringify(adapterConfig, null, 2)}\n`);
  writeSafetensorsStreaming(join(dir, "adapter_model.safetensors"), tensors, "F32");
}
