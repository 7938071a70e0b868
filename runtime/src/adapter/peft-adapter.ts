/**
 * Loads a PEFT LoRA adapter folder (`adapter_config.json` + `adapter_model.safetensors`) as runtime tensors:
 * PEFT's lora_A [r, in] and lora_B [out, r] become A [in, r] and B [r, out], the scale (alpha / r, or
 * alpha / √r with use_rslora) folded into B. Refuses, naming the field or tensor, anything the graph cannot
 * express exactly: DoRA, biases, modules_to_save, other LoRA variants, unknown targets, wrong shapes, another
 * base model — and NaN/Inf weights, which would silently turn every completion empty.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { AdapterError } from "../errors.ts";
import { transpose } from "../model/decoder-graph.ts";
import type { LoraManifest } from "../model/manifest.ts";
import {
  describeNonFinite,
  firstNonFinite,
  type SafetensorsFile,
  withSafetensors,
} from "../safetensors/read.ts";
import { readBundleManifest } from "./bundle-template.ts";
import type { LoraPair, LoraTensors } from "./lora-tensors.ts";

export const ADAPTER_CONFIG_FILE = "adapter_config.json";
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";
/** RepoLoRA's bundle manifest beside the PEFT files (docs/DESIGN.md, "Adapter bundle"); optional here. */

/** The fields of adapter_config.json the runtime reads. */
export interface PeftLoraConfig {
  r: number;
  loraAlpha: number;
  useRslora: boolean;
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
  baseModel: string | null;
}

/** PEFT options that change what a LoRA layer computes; any of them set means the graph would be wrong. */
const UNSUPPORTED_WHEN_SET: [field: string, what: string][] = [
  [
    "use_dora",
    "DoRA (weight-decomposed LoRA) needs the base weight's column norms; retrain without use_dora",
  ],
  ["lora_bias", "a bias on lora_B; retrain with lora_bias=false"],
  ["modules_to_save", "fully trained copies of modules (modules_to_save); retrain without them"],
  ["trainable_token_indices", "trained embedding rows (trainable_token_indices)"],
  ["fan_in_fan_out", "fan_in_fan_out weights (Conv1D layout); Qwen2/Llama use Linear"],
  ["alora_invocation_tokens", "activated LoRA (alora_invocation_tokens)"],
  ["use_qalora", "QA-LoRA (use_qalora)"],
  ["layer_replication", "layer replication"],
  ["target_parameters", "LoRA on raw parameters (target_parameters)"],
  ["use_bdlora", "block-diagonal LoRA (use_bdlora)"],
  ["arrow_config", "Arrow routing (arrow_config)"],
  ["velora_config", "VeLoRA (velora_config)"],
  ["monteclora_config", "MonteCLoRA (monteclora_config)"],
  ["kasa_config", "KaSA (kasa_config)"],
];

/** Initialisations that rewrite the base model's weights: the saved adapter only fits that modified base. */
const BASE_CHANGING_INITS = ["pissa", "olora", "corda", "loftq", "lora_ga"];

function isSet(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

const TENSOR_NAME = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

export function readPeftLoraConfig(dir: string): PeftLoraConfig {
  const path = join(dir, ADAPTER_CONFIG_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new AdapterError("adapter-config-invalid", `${path} cannot be read: ${(error as Error).message}`);
  }
  const refuse = (message: string): never => {
    throw new AdapterError("adapter-unsupported", `${path}: ${message}`);
  };
  if (raw.peft_type !== "LORA") {
    refuse(`peft_type is ${JSON.stringify(raw.peft_type)}; only LORA adapters are supported`);
  }
  if (raw.bias !== undefined && raw.bias !== "none") {
    refuse(`bias is "${String(raw.bias)}": trained biases change the base layers; retrain with bias="none"`);
  }
  for (const [field, what] of UNSUPPORTED_WHEN_SET) {
    if (isSet(raw[field])) refuse(`${field} is set (${JSON.stringify(raw[field])}): ${what}`);
  }
  const init = raw.init_lora_weights;
  if (typeof init === "string" && BASE_CHANGING_INITS.some((prefix) => init.startsWith(prefix))) {
    refuse(
      `init_lora_weights is "${init}": that initialisation changes the base weights; save the adapter with path_initial_model_for_weight_conversion so it applies to the original model`,
    );
  }
  const invalid = (message: string): never => {
    throw new AdapterError("adapter-config-invalid", `${path}: ${message}`);
  };
  if (!Number.isInteger(raw.r) || (raw.r as number) <= 0) {
    invalid(`r must be a positive integer, got ${JSON.stringify(raw.r)}`);
  }
  if (typeof raw.lora_alpha !== "number") {
    invalid(`lora_alpha must be a number, got ${JSON.stringify(raw.lora_alpha)}`);
  }
  return {
    r: raw.r as number,
    loraAlpha: raw.lora_alpha as number,
    useRslora: raw.use_rslora === true,
    rankPattern: (raw.rank_pattern ?? {}) as Record<string, number>,
    alphaPattern: (raw.alpha_pattern ?? {}) as Record<string, number>,
    baseModel: typeof raw.base_model_name_or_path === "string" ? raw.base_model_name_or_path : null,
  };
}

/** PEFT's get_pattern_key: the first pattern key that matches the end of the module path. */
function patternValue(patterns: Record<string, number>, modulePath: string, fallback: number): number {
  for (const [key, value] of Object.entries(patterns)) {
    if (new RegExp(`^(.*\\.)?(${key})$`).test(modulePath)) return value;
  }
  return fallback;
}

export function loraScale(config: PeftLoraConfig, modulePath: string): { rank: number; scale: number } {
  const rank = patternValue(config.rankPattern, modulePath, config.r);
  const alpha = patternValue(config.alphaPattern, modulePath, config.loraAlpha);
  return { rank, scale: config.useRslora ? alpha / Math.sqrt(rank) : alpha / rank };
}

/**
 * Refuses an adapter trained on another base model. The bundle's weight hash (repolora.json) decides when there
 * is one — it survives a model loaded from a local path; otherwise PEFT's base_model_name_or_path must equal the
 * package id.
 */
function checkBaseModel(dir: string, config: PeftLoraConfig, manifest: LoraManifest): void {
  const expected = manifest.baseModel;
  const bundle = readBundleBaseModel(dir);
  if (bundle?.sha256) {
    if (bundle.sha256 === expected.weightsSha256) return;
    throw new AdapterError(
      "adapter-base-model-mismatch",
      `${dir} was trained on weights with sha256 ${bundle.sha256} (${bundle.id ?? "unknown id"}); this model package is ${expected.id} with sha256 ${expected.weightsSha256}. Load it with the model it was trained on, or retrain it.`,
    );
  }
  if (config.baseModel !== null && config.baseModel !== expected.id) {
    throw new AdapterError(
      "adapter-base-model-mismatch",
      `${dir} was trained on base model "${config.baseModel}" (adapter_config.json base_model_name_or_path); this model package is "${expected.id}". Load it with that model, or prepare the package with id "${config.baseModel}" if it is the same model.`,
    );
  }
}

function readBundleBaseModel(dir: string): { id?: string; sha256?: string } | null {
  return readBundleManifest(dir)?.baseModel ?? null;
}

export function loadPeftAdapter(adapterDir: string, manifest: LoraManifest): LoraTensors {
  const dir = resolve(adapterDir);
  const weightsPath = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(join(dir, ADAPTER_CONFIG_FILE)) || !existsSync(weightsPath)) {
    const pickle = existsSync(join(dir, "adapter_model.bin"))
      ? " (adapter_model.bin is pickle and is never loaded: save with safe_serialization=True)"
      : "";
    throw new AdapterError(
      "adapter-files-missing",
      `${dir} needs ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}${pickle}`,
    );
  }
  const config = readPeftLoraConfig(dir);
  checkBaseModel(dir, config, manifest);
  const targets = new Map(manifest.targets.map((t) => [t.path, t]));

  const pairs = withSafetensors(weightsPath, (file) => {
    // Group lora_A / lora_B by module path, refusing anything that is not one of the graph's targets.
    const halves = new Map<string, { A?: string; B?: string }>();
    for (const name of file.names()) {
      const match = TENSOR_NAME.exec(name);
      if (!match) {
        throw new AdapterError(
          "adapter-unknown-tensor",
          `${weightsPath}: tensor ${name} is not a lora_A/lora_B weight (expected base_model.model.<module>.lora_A.weight); the runtime cannot apply it`,
        );
      }
      const [, path, half] = match as unknown as [string, string, "A" | "B"];
      if (!targets.has(path)) {
        throw new AdapterError(
          "adapter-unknown-tensor",
          `${weightsPath}: tensor ${name} targets ${path}, which is not a LoRA target of this model (targets: q/k/v/o/gate/up/down_proj of layers 0..${manifest.targets.at(-1)?.layer})`,
        );
      }
      halves.set(path, { ...halves.get(path), [half]: name });
    }

    const result = new Map<string, LoraPair>();
    for (const [path, { A, B }] of halves) {
      if (!A || !B) {
        throw new AdapterError(
          "adapter-shape-mismatch",
          `${weightsPath}: ${path} has lora_${A ? "A" : "B"} but no lora_${A ? "B" : "A"}`,
        );
      }
      const target = targets.get(path)!;
      const { rank, scale } = loraScale(config, path);
      expectShape(weightsPath, A, file.info(A).shape, [rank, target.inFeatures]);
      expectShape(weightsPath, B, file.info(B).shape, [target.outFeatures, rank]);
      const a = transpose(finiteFloat32(file, weightsPath, A), rank, target.inFeatures); // (r, in) → (in, r)
      const b = transpose(finiteFloat32(file, weightsPath, B), target.outFeatures, rank); // (out, r) → (r, out)
      let overflow = false;
      for (let i = 0; i < b.length; i++) {
        b[i]! *= scale;
        overflow ||= !Number.isFinite(b[i]!);
      }
      if (overflow) {
        throw new AdapterError(
          "adapter-not-finite",
          `${weightsPath}: ${B} overflows float32 once scaled by ${scale}; the adapter cannot be applied (retrain it with a lower learning rate)`,
        );
      }
      result.set(path, { rank, a, b });
    }
    return result;
  });
  return { name: dir, baseModelId: manifest.baseModel.id, pairs };
}

/** The tensor as float32, refused (naming it) when it holds NaN or ±Inf: such an adapter only yields garbage. */
function finiteFloat32(file: SafetensorsFile, weightsPath: string, name: string): Float32Array {
  const values = file.float32(name);
  const found = firstNonFinite(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), "F32");
  if (found) {
    const dtype = file.info(name).dtype;
    throw new AdapterError(
      "adapter-not-finite",
      `${weightsPath}: ${describeNonFinite({ ...found, tensor: name, dtype })}; the adapter's weights are broken (training diverged?). Retrain it, e.g. with a lower learning rate.`,
    );
  }
  return values;
}

function expectShape(file: string, name: string, got: number[], expected: number[]): void {
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new AdapterError(
      "adapter-shape-mismatch",
      `${file}: ${name} is [${got.join(", ")}], expected [${expected.join(", ")}] for this model (was it trained on another base model or with another rank?)`,
    );
  }
}
