/**
 * The decoder as an ONNX graph, built from a Qwen2/Llama config and its HF weights. Per layer:
 *
 *   h = rms_norm(x);  x = x + o_proj(GQA(qkv_proj(h), past))        GQA applies the rotary embedding
 *   h = rms_norm(x);  gate, up = split(gate_up_proj(h));  x = x + down_proj(silu(gate) * up)
 *
 * Every projection is `y = x·Wᵀ (+ bias) + (x·A)·B` where A [in, r] and B [r, out] are graph inputs with a
 * symbolic rank r (r = 0: no adapter). Projections that read the same input are one fused projection
 * (qkv_proj = q, k, v; gate_up_proj = gate, up; lora-targets.ts): fewer, larger kernels per decode step.
 * How Wᵀ enters the graph is a `BaseWeightFormat` (weight-formats.ts): int4 MatMulNBits for serving, fp32
 * MatMul for parity (the LoRA branch stays float either way).
 */
import { UnsupportedModelError } from "../errors.ts";
import { attr, type GraphBuilder } from "../onnx/graph-builder.ts";
import type { DecoderConfig } from "./config.ts";
import {
  GRAPH_INPUT,
  GRAPH_OUTPUT,
  newKeyName,
  newValueName,
  pastKeyName,
  pastValueName,
} from "./graph-io.ts";
import {
  LORA_GROUPS,
  type LoraGroup,
  type LoraGroupName,
  type LoraTarget,
  loraGroup,
  loraTarget,
} from "./lora-targets.ts";
import { ropeTables } from "./rope.ts";
import type { BaseWeights } from "./weights-source.ts";

export const DECODER_OPSETS = { "": 21, "com.microsoft": 1 } as const;
const ONNX_INT32 = 6;

/** Row-major transpose of a [rows, cols] matrix. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** How a base projection's weight (HF layout [out, in]) enters the graph as `x (B, S, in) → (B, S, out)`. */
export interface BaseWeightFormat {
  matmul(g: GraphBuilder, x: string, name: string, weight: Float32Array, inF: number, outF: number): string;
}

export const FP32_WEIGHTS: BaseWeightFormat = {
  matmul(g, x, name, weight, inF, outF) {
    const weightT = g.initializer(`${name}.weight.T`, "float32", [inF, outF], transpose(weight, outF, inF));
    return g.op("MatMul", [x, weightT], { name: `/${name}/MatMul` });
  },
};

/** The adapter contract of a built graph: the per-module targets and the fused groups that are its inputs. */
export interface DecoderGraphLora {
  targets: LoraTarget[];
  groups: LoraGroup[];
}

/** Builds the graph into `g`; returns the LoRA targets and groups, in input order. */
export function buildDecoderGraph(
  g: GraphBuilder,
  config: DecoderConfig,
  weights: BaseWeights,
  format: BaseWeightFormat = FP32_WEIGHTS,
  /** Called after each decoder layer with the count done (progress for a slow conversion). */
  onLayer: (done: number) => void = () => {},
): DecoderGraphLora {
  return new DecoderGraph(g, config, weights, format, onLayer).build();
}

class DecoderGraph {
  private readonly targets: LoraTarget[] = [];
  private readonly groups: LoraGroup[] = [];
  private splitFf = "";
  private cosCache = "";
  private sinCache = "";
  private seqlensK = "";
  private totalLength = "";
  /** [total_sequence - sequence] and [total_sequence], int64 (1,): where the new tokens' rows sit in present. */
  private newRowsStart = "";
  private newRowsEnd = "";
  private sequenceAxis = "";

  constructor(
    private readonly g: GraphBuilder,
    private readonly config: DecoderConfig,
    private readonly weights: BaseWeights,
    private readonly format: BaseWeightFormat,
    private readonly onLayer: (done: number) => void,
  ) {}

  build(): DecoderGraphLora {
    const { g } = this;
    const inputIds = g.input(GRAPH_INPUT.inputIds, "int64", ["batch", "sequence"]);
    const attentionMask = g.input(GRAPH_INPUT.attentionMask, "int64", ["batch", "total_sequence"]);
    const logitsToKeep = g.input(GRAPH_INPUT.logitsToKeep, "int64", [1]);
    this.sharedAttentionInputs(attentionMask, inputIds);
    const ff = this.config.intermediateSize;
    this.splitFf = g.int64s("const.split_ff", [ff, ff]);

    let x = this.embed(inputIds); // (B, S, H)
    for (let layer = 0; layer < this.config.numLayers; layer++) {
      const prefix = `model.layers.${layer}`;
      const h = this.rmsNorm(x, `${prefix}.input_layernorm`); // (B, S, H)
      x = g.op("Add", [x, this.attention(h, layer)], { name: `/${prefix}/attn_residual` }); // (B, S, H)
      const h2 = this.rmsNorm(x, `${prefix}.post_attention_layernorm`); // (B, S, H)
      x = g.op("Add", [x, this.mlp(h2, layer)], { name: `/${prefix}/mlp_residual` }); // (B, S, H)
      this.onLayer(layer + 1);
    }
    x = this.rmsNorm(x, "model.norm"); // (B, S, H)
    this.lmHead(x, logitsToKeep); // (B, k, V)
    return { targets: this.targets, groups: this.groups };
  }

  /** Rotary tables, and the lengths GroupQueryAttention wants from the attention mask. */
  private sharedAttentionInputs(attentionMask: string, inputIds: string): void {
    const { g, config } = this;
    const rope = ropeTables(config.headDim, config.ropeTheta, config.maxPositions);
    this.cosCache = g.initializer("rope.cos", "float32", rope.dims, rope.cos); // (max_pos, hd/2)
    this.sinCache = g.initializer("rope.sin", "float32", rope.dims, rope.sin); // (max_pos, hd/2)
    // seqlens_k: per batch row, the index of its last token = sum(mask) - 1, int32 (B,)
    const maskSum = g.op("ReduceSum", [attentionMask, g.int64s("const.axes_1", [1])], {
      name: "/attn_lengths/ReduceSum",
      attrs: { keepdims: attr.int(0) },
    });
    const lastIndex = g.op("Sub", [maskSum, g.int64s("const.one", [1], [])], { name: "/attn_lengths/Sub" });
    this.seqlensK = g.op("Cast", [lastIndex], {
      name: "/attn_lengths/seqlens_k",
      attrs: { to: attr.int(ONNX_INT32) },
    });
    // total_sequence_length: the mask's width, int32 scalar
    const maskShape = g.op("Shape", [attentionMask], { name: "/attn_lengths/Shape" });
    const width = g.op("Gather", [maskShape, g.int64s("const.index_1", [1], [])], {
      name: "/attn_lengths/Gather",
    });
    this.totalLength = g.op("Cast", [width], {
      name: "/attn_lengths/total",
      attrs: { to: attr.int(ONNX_INT32) },
    });
    // the new tokens' rows in GQA's present: [total - S, total) along the sequence axis
    const one = g.int64s("const.one_list", [1]);
    const two = g.int64s("const.two_list", [2]);
    this.newRowsEnd = g.op("Slice", [maskShape, one, two], { name: "/attn_lengths/total_list" });
    const sequence = g.op(
      "Slice",
      [g.op("Shape", [inputIds], { name: "/attn_lengths/ids_shape" }), one, two],
      {
        name: "/attn_lengths/sequence_list",
      },
    );
    this.newRowsStart = g.op("Sub", [this.newRowsEnd, sequence], { name: "/attn_lengths/new_rows_start" });
    this.sequenceAxis = two;
  }

  private embed(inputIds: string): string {
    const { vocabSize: V, hiddenSize: H } = this.config;
    const name = "model.embed_tokens.weight";
    const table = this.g.initializer(name, "float32", [V, H], this.weights.float32(name, [V, H]));
    return this.g.op("Gather", [table, inputIds], { name: "/embed_tokens/Gather" }); // (B, S, H)
  }

  private attention(h: string, layer: number): string {
    const { g, config } = this;
    const { numHeads, numKvHeads, headDim } = config;
    const prefix = `/model.layers.${layer}/self_attn`;
    const qkv = this.projection(h, layer, "qkv"); // (B, S, (nh + 2·nkv)·hd), packed as GQA takes it
    const cacheDims = ["batch", numKvHeads, "past_capacity", headDim];
    const pastKey = g.input(pastKeyName(layer), "float32", cacheDims);
    const pastValue = g.input(pastValueName(layer), "float32", cacheDims);
    const [attn] = g.node(
      "GroupQueryAttention",
      // key and value are omitted: the query input holds q, k and v packed
      [qkv, "", "", pastKey, pastValue, this.seqlensK, this.totalLength, this.cosCache, this.sinCache],
      {
        name: `${prefix}/GroupQueryAttention`,
        domain: "com.microsoft",
        outputs: [`${prefix}/attn`, `${prefix}/present_key`, `${prefix}/present_value`],
        attrs: {
          num_heads: attr.int(numHeads),
          kv_num_heads: attr.int(numKvHeads),
          scale: attr.float(1 / Math.sqrt(headDim)),
          // rotary on q and k inside the kernel, at positions past_sequence + i; HF's rotate_half layout
          do_rotary: attr.int(1),
          rotary_interleaved: attr.int(0),
        },
      },
    ); // (B, S, nh*hd); present key/value: (B, nkv, max(P + S, past capacity), hd), rows ≥ P + S unset
    // Only the new rows leave the graph: the caller keeps the cache (a whole present per step would be copied
    // out of onnxruntime every step, ~25 MB at 1k tokens for the 0.5B shape).
    for (const [present, name] of [
      [`${prefix}/present_key`, newKeyName(layer)],
      [`${prefix}/present_value`, newValueName(layer)],
    ] as const) {
      g.node("Slice", [present, this.newRowsStart, this.newRowsEnd, this.sequenceAxis], {
        name: `${prefix}/${name}/Slice`,
        outputs: [name],
      });
      g.output(name, "float32", ["batch", numKvHeads, "sequence", headDim]);
    }
    return this.projection(attn!, layer, "o"); // (B, S, H)
  }

  private mlp(h: string, layer: number): string {
    const { g } = this;
    const prefix = `/model.layers.${layer}/mlp`;
    const gateUp = this.projection(h, layer, "gate_up"); // (B, S, 2·ff)
    const [gate, up] = g.node("Split", [gateUp, this.splitFf], {
      name: `${prefix}/Split`,
      outputs: [`${prefix}/gate`, `${prefix}/up`],
      attrs: { axis: attr.int(-1) },
    }); // (B, S, ff) each
    const sigmoid = g.op("Sigmoid", [gate!], { name: `${prefix}/Sigmoid` });
    const silu = g.op("Mul", [gate!, sigmoid], { name: `${prefix}/silu` }); // silu(g) = g·σ(g)
    const gated = g.op("Mul", [silu, up!], { name: `${prefix}/gated` }); // (B, S, ff)
    return this.projection(gated, layer, "down"); // (B, S, H)
  }

  /**
   * y = x·Wᵀ (+ b) + (x·A)·B for a group of projections reading x: x (B, S, in) → y (B, S, Σout), W the
   * members' weights stacked along out, b their biases (zeros for a member without one).
   */
  private projection(x: string, layer: number, name: LoraGroupName): string {
    const { g, weights } = this;
    const group = loraGroup(this.config, layer, name);
    const members = LORA_GROUPS[name].map((module) => loraTarget(this.config, layer, module));
    this.targets.push(...members);
    this.groups.push(group);
    const { path, inFeatures: inF, outFeatures: outF } = group;
    const weight = new Float32Array(outF * inF); // rows = outputs: the members' [out_i, in] one after another
    const bias = new Float32Array(outF);
    let hasBias = false;
    for (const [i, member] of members.entries()) {
      const offset = group.members[i]!.outOffset;
      weight.set(weights.float32(`${member.path}.weight`, [member.outFeatures, inF]), offset * inF);
      if (weights.has(`${member.path}.bias`)) {
        bias.set(weights.float32(`${member.path}.bias`, [member.outFeatures]), offset);
        hasBias = true;
      }
    }
    let y = this.format.matmul(g, x, path, weight, inF, outF); // (B, S, out)
    if (hasBias) {
      const biasName = g.initializer(`${path}.bias`, "float32", [outF], bias);
      y = g.op("Add", [y, biasName], { name: `/${path}/AddBias` });
    }
    const loraA = g.input(group.inputA, "float32", [inF, group.rankDim]);
    const loraB = g.input(group.inputB, "float32", [group.rankDim, outF]);
    const down = g.op("MatMul", [x, loraA], { name: `/${path}/lora/MatMulA` }); // (B, S, r)
    const up = g.op("MatMul", [down, loraB], { name: `/${path}/lora/MatMulB` }); // (B, S, out)
    return g.op("Add", [y, up], { name: `/${path}/lora/Add` });
  }

  private rmsNorm(x: string, module: string): string {
    const { g, config } = this;
    const H = config.hiddenSize;
    const weightName = `${module}.weight`;
    const weight = g.initializer(weightName, "float32", [H], this.weights.float32(weightName, [H]));
    return g.op("SimplifiedLayerNormalization", [x, weight], {
      name: `/${module}/SimplifiedLayerNormalization`,
      attrs: { axis: attr.int(-1), epsilon: attr.float(config.rmsNormEps), stash_type: attr.int(1) },
    });
  }

  /** Logits for the last `logits_to_keep` positions only: (B, S, H) → (B, k, V). */
  private lmHead(x: string, logitsToKeep: string): void {
    const { g, config, weights } = this;
    const { vocabSize: V, hiddenSize: H } = config;
    const start = g.op("Neg", [logitsToKeep], { name: "/lm_head/start" });
    const end = g.int64s("const.int64_max", [Number.MAX_SAFE_INTEGER]);
    const kept = g.op("Slice", [x, start, end, g.int64s("const.axes_1_list", [1])], {
      name: "/lm_head/Slice",
    }); // (B, k, H)
    // Tied models (Qwen2.5-Coder-0.5B) reuse the embedding table as the head.
    const headName = config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
    if (!weights.has(headName)) throw new UnsupportedModelError(`${headName} is missing from the weights`);
    const head = weights.float32(headName, [V, H]);
    const logits = this.format.matmul(g, kept, "lm_head", head, H, V); // (B, k, V)
    g.node("Identity", [logits], { name: "/lm_head/output", outputs: [GRAPH_OUTPUT.logits] });
    g.output(GRAPH_OUTPUT.logits, "float32", ["batch", "logits_kept", V]);
  }
}
