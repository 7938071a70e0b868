import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AdapterError } from "../errors.ts";
import type { DecoderConfig } from "../model/config.ts";
import { loraGroups, loraTargets } from "../model/lora-targets.ts";
import { LORA_MANIFEST_SCHEMA, type LoraManifest } from "../model/manifest.ts";
import { type TensorToWrite, writeSafetensors } from "../safetensors/write.ts";
import type { LoraTensors } from "./lora-tensors.ts";
import { loadPeftAdapter } from "./peft-adapter.ts";
import { stackAdapters } from "./stack.ts";

const config: DecoderConfig = {
  modelType: "qwen2",
  vocabSize: 32,
  hiddenSize: 8,
  intermediateSize: 12,
  numLayers: 2,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 4,
  rmsNormEps: 1e-6,
  ropeTheta: 10_000,
  maxPositions: 64,
  tieWordEmbeddings: true,
};
const manifest: LoraManifest = {
  schema: LORA_MANIFEST_SCHEMA,
  baseModel: {
    id: "tiny/base",
    modelType: "qwen2",
    configSha256: "a".repeat(64),
    weightsSha256: "b".repeat(64),
  },
  layout: "A[in,r]·B[r,out], scale in B",
  targets: loraTargets(config),
  groups: loraGroups(config),
};

const root = mkdtempSync(join(tmpdir(), "repolora-adapter-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Deterministic values, distinct per tensor, so transposes and scales are checkable. */
const fill = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 0.37));

interface AdapterSpec {
  r?: number;
  alpha?: number;
  config?: Record<string, unknown>;
  /** "layer.module" keys to cover; default: every target. */
  cover?: string[];
  extraTensors?: Record<string, TensorToWrite>;
  shapeOverride?: Record<string, number[]>;
  /** Edits the tensors (by name) before they are written, e.g. to plant a NaN. */
  mutate?: (tensors: Record<string, TensorToWrite>) => void;
}

let adapterCount = 0;
function writeAdapter(spec: AdapterSpec = {}): string {
  const dir = join(root, `adapter-${adapterCount++}`);
  mkdirSync(dir);
  const r = spec.r ?? 2;
  const alpha = spec.alpha ?? 4;
  writeFileSync(
    join(dir, "adapter_config.json"),
    JSON.stringify({
      peft_type: "LORA",
      r,
      lora_alpha: alpha,
      bias: "none",
      use_dora: false,
      use_rslora: false,
      modules_to_save: null,
      target_modules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
      base_model_name_or_path: "tiny/base",
      ...spec.config,
    }),
  );
  const tensors: Record<string, TensorToWrite> = {};
  manifest.targets.forEach((t, i) => {
    if (spec.cover && !spec.cover.includes(`${t.layer}.${t.module}`)) return;
    const a = `base_model.model.${t.path}.lora_A.weight`;
    const b = `base_model.model.${t.path}.lora_B.weight`;
    const aShape = spec.shapeOverride?.[a] ?? [r, t.inFeatures];
    const bShape = spec.shapeOverride?.[b] ?? [t.outFeatures, r];
    tensors[a] = { dtype: "F32", shape: aShape, data: fill(aShape[0]! * aShape[1]!, 2 * i) };
    tensors[b] = { dtype: "F32", shape: bShape, data: fill(bShape[0]! * bShape[1]!, 2 * i + 1) };
  });
  spec.mutate?.(tensors);
  writeSafetensors(join(dir, "adapter_model.safetensors"), { ...tensors, ...spec.extraTensors });
  return dir;
}

/** y = x·A·B for one input row x (in,), through the runtime layout. */
function applyPair(tensors: LoraTensors, path: string, x: Float32Array): Float32Array {
  const pair = tensors.pairs.get(path)!;
  const inF = x.length;
  const outF = pair.b.length / pair.rank;
  const mid = new Float64Array(pair.rank);
  for (let k = 0; k < pair.rank; k++)
    for (let i = 0; i < inF; i++) mid[k]! += x[i]! * pair.a[i * pair.rank + k]!;
  const y = new Float32Array(outF);
  for (let o = 0; o < outF; o++) for (let k = 0; k < pair.rank; k++) y[o]! += mid[k]! * pair.b[k * outF + o]!;
  return y;
}

describe("loadPeftAdapter", () => {
  it("transposes lora_A/lora_B into A [in, r], B [r, out] and folds alpha / r into B", () => {
    const tensors = loadPeftAdapter(writeAdapter({ r: 2, alpha: 6 }), manifest);
    expect(tensors.pairs.size).toBe(14);
    const q = manifest.targets.find((t) => t.path === "model.layers.1.self_attn.q_proj")!;
    const index = manifest.targets.indexOf(q);
    const peftA = fill(2 * q.inFeatures, 2 * index); // (r, in)
    const peftB = fill(q.outFeatures * 2, 2 * index + 1); // (out, r)
    const pair = tensors.pairs.get(q.path)!;
    expect(pair.rank).toBe(2);
    expect(pair.a[3 * 2 + 1]).toBeCloseTo(peftA[1 * q.inFeatures + 3]!, 6); // A[i=3, k=1] = lora_A[1, 3]
    expect(pair.b[1 * q.outFeatures + 5]).toBeCloseTo(3 * peftB[5 * 2 + 1]!, 5); // B[k=1, o=5] = 6/2 · lora_B[5, 1]
  });

  it("uses alpha / √r with use_rslora, and rank_pattern / alpha_pattern per module", () => {
    const rs = loadPeftAdapter(writeAdapter({ r: 4, alpha: 8, config: { use_rslora: true } }), manifest);
    const plain = loadPeftAdapter(writeAdapter({ r: 4, alpha: 8 }), manifest);
    const path = "model.layers.0.mlp.down_proj";
    expect(rs.pairs.get(path)!.b[0]! / plain.pairs.get(path)!.b[0]!).toBeCloseTo(
      8 / Math.sqrt(4) / (8 / 4),
      6,
    );

    const patterned = loadPeftAdapter(
      writeAdapter({ r: 2, alpha: 2, config: { alpha_pattern: { "layers.1.mlp.up_proj": 10 } } }),
      manifest,
    );
    const base = loadPeftAdapter(writeAdapter({ r: 2, alpha: 2 }), manifest);
    const up1 = "model.layers.1.mlp.up_proj";
    const up0 = "model.layers.0.mlp.up_proj";
    expect(patterned.pairs.get(up1)!.b[0]! / base.pairs.get(up1)!.b[0]!).toBeCloseTo(5, 5);
    expect(patterned.pairs.get(up0)!.b[0]).toBe(base.pairs.get(up0)!.b[0]);
  });

  it("leaves targets the adapter does not cover out (rank 0 at run time)", () => {
    const tensors = loadPeftAdapter(writeAdapter({ cover: ["1.q_proj", "1.down_proj"] }), manifest);
    expect([...tensors.pairs.keys()]).toEqual([
      "model.layers.1.self_attn.q_proj",
      "model.layers.1.mlp.down_proj",
    ]);
  });

  const refusals: [string, AdapterSpec, string, RegExp][] = [
    ["DoRA", { config: { use_dora: true } }, "adapter-unsupported", /use_dora is set .*DoRA/],
    [
      "a trained bias",
      { config: { bias: "lora_only" } },
      "adapter-unsupported",
      /bias is "lora_only".*retrain with bias="none"/,
    ],
    ["lora_bias", { config: { lora_bias: true } }, "adapter-unsupported", /lora_bias is set/],
    [
      "modules_to_save",
      { config: { modules_to_save: ["lm_head"] } },
      "adapter-unsupported",
      /modules_to_save is set \(\["lm_head"\]\)/,
    ],
    ["another PEFT method", { config: { peft_type: "IA3" } }, "adapter-unsupported", /peft_type is "IA3"/],
    [
      "a base-changing init",
      { config: { init_lora_weights: "pissa" } },
      "adapter-unsupported",
      /init_lora_weights is "pissa"/,
    ],
    [
      "another base model id",
      { config: { base_model_name_or_path: "Qwen/Qwen2.5-Coder-1.5B" } },
      "adapter-base-model-mismatch",
      /trained on base model "Qwen\/Qwen2.5-Coder-1.5B".*this model package is "tiny\/base"/,
    ],
    [
      "a wrong shape",
      { shapeOverride: { "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight": [8, 2] } },
      "adapter-shape-mismatch",
      /model\.layers\.0\.self_attn\.k_proj\.lora_B\.weight is \[8, 2\], expected \[4, 2\]/,
    ],
    [
      "a rank that disagrees with r",
      { r: 2, shapeOverride: { "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight": [3, 8] } },
      "adapter-shape-mismatch",
      /up_proj\.lora_A\.weight is \[3, 8\], expected \[2, 8\]/,
    ],
    [
      "a DoRA magnitude vector",
      {
        extraTensors: {
          "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector": {
            dtype: "F32",
            shape: [8],
            data: new Float32Array(8),
          },
        },
      },
      "adapter-unknown-tensor",
      /lora_magnitude_vector is not a lora_A\/lora_B weight/,
    ],
    [
      "a module the graph has no input for",
      {
        extraTensors: {
          "base_model.model.lm_head.lora_A.weight": {
            dtype: "F32",
            shape: [2, 8],
            data: new Float32Array(16),
          },
        },
      },
      "adapter-unknown-tensor",
      /targets lm_head, which is not a LoRA target/,
    ],
    ["a zero rank", { config: { r: 0 } }, "adapter-config-invalid", /r must be a positive integer/],
  ];

  it.each(refusals)("refuses %s with a message that says why", (_, spec, code, message) => {
    const dir = writeAdapter(spec);
    let caught: unknown;
    try {
      loadPeftAdapter(dir, manifest);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AdapterError);
    expect((caught as AdapterError).code).toBe(code);
    expect((caught as AdapterError).message).toMatch(message);
  });

  it("refuses an adapter whose bundle says it was trained on other weights", () => {
    const dir = writeAdapter();
    writeFileSync(
      join(dir, "repolora.json"),
      JSON.stringify({ baseModel: { id: "tiny/base", sha256: "c".repeat(64) } }),
    );
    expect(() => loadPeftAdapter(dir, manifest)).toThrow(
      /trained on weights with sha256 c{64}.*this model package is tiny\/base with sha256 b{64}/,
    );
  });

  it("trusts a matching bundle weight hash over a differing PEFT base model id (a model loaded from a path)", () => {
    const dir = writeAdapter({ config: { base_model_name_or_path: "/home/me/models/qwen" } });
    writeFileSync(
      join(dir, "repolora.json"),
      JSON.stringify({ baseModel: { id: "tiny/base", sha256: "b".repeat(64) } }),
    );
    expect(loadPeftAdapter(dir, manifest).pairs.size).toBe(14);
  });

  it("refuses NaN/Inf weights in F32, F16 and BF16, naming the tensor and the element", () => {
    const lastB = `base_model.model.${manifest.targets.at(-1)!.path}.lora_B.weight`;
    const toHalf = (data: Float32Array, bits: number) =>
      Uint16Array.from(data, () => 0x3c00).fill(bits, 3, 4);
    const toBf16 = (data: Float32Array, bits: number) =>
      Uint16Array.from(new Uint32Array(data.buffer), (w) => w >>> 16).fill(bits, 3, 4);
    const cases: [string, (t: TensorToWrite) => TensorToWrite, RegExp][] = [
      [
        "F32 NaN",
        (t) => ({ ...t, data: (t.data as Float32Array).fill(Number.NaN, 3, 4) }),
        /holds NaN at element 3 \(F32\)/,
      ],
      [
        "F16 +Inf",
        (t) => ({ ...t, dtype: "F16", data: toHalf(t.data as Float32Array, 0x7c00) }),
        /holds \+Inf at element 3 \(F16\)/,
      ],
      [
        "BF16 NaN",
        (t) => ({ ...t, dtype: "BF16", data: toBf16(t.data as Float32Array, 0x7fc1) }),
        /holds NaN at element 3 \(BF16\)/,
      ],
    ];
    for (const [label, poison, message] of cases) {
      const dir = writeAdapter({
        mutate: (tensors) => {
          tensors[lastB] = poison(tensors[lastB]!);
        },
      });
      let caught: unknown;
      try {
        loadPeftAdapter(dir, manifest);
      } catch (error) {
        caught = error;
      }
      expect(caught, label).toBeInstanceOf(AdapterError);
      expect((caught as AdapterError).code, label).toBe("adapter-not-finite");
      expect((caught as AdapterError).message, label).toContain(`tensor ${lastB} holds`);
      expect((caught as AdapterError).message, label).toMatch(message);
    }
  });

  it("refuses lora_B values that overflow float32 once alpha / r is folded in", () => {
    const firstB = `base_model.model.${manifest.targets[0]!.path}.lora_B.weight`;
    const dir = writeAdapter({
      r: 2,
      alpha: 8, // scale 4: 3e38 · 4 > float32's largest value
      mutate: (tensors) => void (tensors[firstB]!.data as Float32Array).fill(3e38, 0, 1),
    });
    expect(() => loadPeftAdapter(dir, manifest)).toThrow(/overflows float32 once scaled by 4/);
  });

  it("refuses a folder without safetensors, and never reads a pickle", () => {
    const dir = join(root, "pickle-only");
    mkdirSync(dir);
    writeFileSync(join(dir, "adapter_config.json"), "{}");
    writeFileSync(join(dir, "adapter_model.bin"), "not loaded");
    expect(() => loadPeftAdapter(dir, manifest)).toThrow(/adapter_model.bin is pickle and is never loaded/);
  });
});

describe("stackAdapters", () => {
  it("is exact: x·[A1|A2]·[w1·B1; w2·B2] = w1·x·A1·B1 + w2·x·A2·B2, uncovered targets from one side only", () => {
    const one = loadPeftAdapter(writeAdapter({ r: 2, alpha: 4 }), manifest);
    const two = loadPeftAdapter(
      writeAdapter({ r: 3, alpha: 3, cover: ["0.q_proj", "1.down_proj"] }),
      manifest,
    );
    const stacked = stackAdapters([
      { adapter: one, weight: 0.75 },
      { adapter: two, weight: -0.5 },
    ]);
    expect(stacked.pairs.size).toBe(14);
    for (const path of [
      "model.layers.0.self_attn.q_proj",
      "model.layers.1.mlp.down_proj",
      "model.layers.1.self_attn.v_proj",
    ]) {
      const target = manifest.targets.find((t) => t.path === path)!;
      const x = fill(target.inFeatures, 99);
      const expected = applyPair(one, path, x).map((v) => 0.75 * v);
      if (two.pairs.has(path)) {
        const other = applyPair(two, path, x);
        for (let i = 0; i < expected.length; i++) expected[i]! += -0.5 * other[i]!;
      }
      expect(stacked.pairs.get(path)!.rank).toBe(two.pairs.has(path) ? 5 : 2);
      const got = applyPair(stacked, path, x);
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 5);
    }
  });

  it("refuses to stack adapters of different base models", () => {
    const one = loadPeftAdapter(writeAdapter(), manifest);
    expect(() =>
      stackAdapters([
        { adapter: one, weight: 1 },
        { adapter: { ...one, baseModelId: "other" }, weight: 1 },
      ]),
    ).toThrow(/cannot stack/);
  });
});
