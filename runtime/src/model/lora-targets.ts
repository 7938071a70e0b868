/**
 * The LoRA targets of a decoder: the seven projections of every layer. Each is a pair of graph inputs
 * A [in, r] and B [r, out] with its own symbolic rank, named after the module's path in the HF model so that a
 * PEFT tensor name maps to its input by stripping `base_model.model.` and `.weight`.
 */
import type { DecoderConfig } from "./config.ts";

export const LORA_MODULES = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
] as const;
export type LoraModule = (typeof LORA_MODULES)[number];

const MLP_MODULES: ReadonlySet<LoraModule> = new Set(["gate_proj", "up_proj", "down_proj"]);

export interface LoraTarget {
  module: LoraModule;
  layer: number;
  /** The module's path in the HF model, e.g. "model.layers.0.self_attn.q_proj". */
  path: string;
  inFeatures: number;
  outFeatures: number;
  /** Graph input names: A [inFeatures, rank], B [rank, outFeatures]. */
  inputA: string;
  inputB: string;
  /** The symbolic dimension name of this target's rank. */
  rankDim: string;
}

export function isLoraModule(name: string): name is LoraModule {
  return (LORA_MODULES as readonly string[]).includes(name);
}

export function loraTargetPath(layer: number, module: LoraModule): string {
  const block = MLP_MODULES.has(module) ? "mlp" : "self_attn";
  return `model.layers.${layer}.${block}.${module}`;
}

/** [inFeatures, outFeatures] of each projection. */
export function projectionShape(config: DecoderConfig, module: LoraModule): [number, number] {
  const { hiddenSize: h, intermediateSize: ff, numHeads, numKvHeads, headDim } = config;
  switch (module) {
    case "q_proj":
      return [h, numHeads * headDim];
    case "k_proj":
    case "v_proj":
      return [h, numKvHeads * headDim];
    case "o_proj":
      return [numHeads * headDim, h];
    case "gate_proj":
    case "up_proj":
      return [h, ff];
    case "down_proj":
      return [ff, h];
  }
}

export function loraTarget(config: DecoderConfig, layer: number, module: LoraModule): LoraTarget {
  const path = loraTargetPath(layer, module);
  const [inFeatures, outFeatures] = projectionShape(config, module);
  return {
    module,
    layer,
    path,
    inFeatures,
    outFeatures,
    inputA: `${path}.lora_A`,
    inputB: `${path}.lora_B`,
    rankDim: `lora_rank.${layer}.${module}`,
  };
}

/** Every target, layer by layer, in LORA_MODULES order. */
export function loraTargets(config: DecoderConfig): LoraTarget[] {
  return Array.from({ length: config.numLayers }, (_, layer) =>
    LORA_MODULES.map((m) => loraTarget(config, layer, m)),
  ).flat();
}
