/**
 * The LoRA targets of a decoder: the seven projections of every layer, named after the module's path in the
 * HF model so that a PEFT tensor name maps to its target by stripping `base_model.model.` and `.weight`.
 *
 * In the graph, projections that read the same input run as one fused projection (a LoRA group): q/k/v, and
 * gate/up, each one MatMulNBits over the concatenated weights. Their adapters enter as one pair of graph
 * inputs per group, A [in, Σr] (the members' A side by side) and B [Σr, Σout] (block diagonal), built by the
 * engine from the per-module tensors (decisions/2026-12-06-decode-step-overheads.md).
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
}

/** Projections of one layer that read the same input, fused in the graph; in output order. */
export const LORA_GROUPS = {
  qkv: ["q_proj", "k_proj", "v_proj"],
  o: ["o_proj"],
  gate_up: ["gate_proj", "up_proj"],
  down: ["down_proj"],
} as const satisfies Record<string, readonly LoraModule[]>;
export type LoraGroupName = keyof typeof LORA_GROUPS;
export const LORA_GROUP_NAMES = Object.keys(LORA_GROUPS) as LoraGroupName[];

export interface LoraGroupMember {
  path: string;
  /** Where the member's outputs start in the group's concatenated output. */
  outOffset: number;
  outFeatures: number;
}

export interface LoraGroup {
  layer: number;
  name: LoraGroupName;
  /** The fused projection's path: the member's own for a group of one, e.g. "model.layers.0.self_attn.qkv_proj". */
  path: string;
  inFeatures: number;
  /** Σ of the members' outFeatures. */
  outFeatures: number;
  members: LoraGroupMember[];
  /** Graph input names: A [inFeatures, rank], B [rank, outFeatures]; rank = Σ of the members' ranks. */
  inputA: string;
  inputB: string;
  /** The symbolic dimension name of the group's rank. */
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
  };
}

export function loraGroup(config: DecoderConfig, layer: number, name: LoraGroupName): LoraGroup {
  const modules: readonly LoraModule[] = LORA_GROUPS[name];
  const targets = modules.map((module) => loraTarget(config, layer, module));
  const first = targets[0]!;
  const path = targets.length === 1 ? first.path : first.path.replace(/[^.]+$/, `${name}_proj`);
  let outOffset = 0;
  const members = targets.map((t) => {
    const member = { path: t.path, outOffset, outFeatures: t.outFeatures };
    outOffset += t.outFeatures;
    return member;
  });
  return {
    layer,
    name,
    path,
    inFeatures: first.inFeatures,
    outFeatures: outOffset,
    members,
    inputA: `${path}.lora_A`,
    inputB: `${path}.lora_B`,
    rankDim: `lora_rank.${layer}.${name}`,
  };
}

/** Every group, layer by layer, in LORA_GROUPS order (the graph's input order). */
export function loraGroups(config: DecoderConfig): LoraGroup[] {
  return Array.from({ length: config.numLayers }, (_, layer) =>
    LORA_GROUP_NAMES.map((name) => loraGroup(config, layer, name)),
  ).flat();
}

/** Every target, layer by layer, in LORA_MODULES order. */
export function loraTargets(config: DecoderConfig): LoraTarget[] {
  return Array.from({ length: config.numLayers }, (_, layer) =>
    LORA_MODULES.map((m) => loraTarget(config, layer, m)),
  ).flat();
}
