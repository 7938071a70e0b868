/**
 * The model package's two manifests, validated when read:
 * - `repolora-model.json`: what the package is (base model, architecture, precision, FIM template, files);
 * - `lora_manifest.json`: the adapter contract — every LoRA input pair, its module, layer and shapes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ModelPackageError } from "../errors.ts";
import { TEMPLATE_IDS } from "../prompt/index.ts";
import { MODEL_PACKAGE_MANIFEST, MODEL_PACKAGE_SCHEMA } from "../protocol/default-model.ts";
import { LORA_GROUP_NAMES, LORA_MODULES } from "./lora-targets.ts";

/** Named in the protocol module, which the extension may read (it looks for the default package). */
export const MODEL_PACKAGE_FILE = MODEL_PACKAGE_MANIFEST;
export const LORA_MANIFEST_FILE = "lora_manifest.json";
export { MODEL_PACKAGE_SCHEMA };
export const LORA_MANIFEST_SCHEMA = "repolora.lora-manifest/2";

/** Base weight precisions a package can hold: int4 (MatMulNBits, the serving default) or fp32. */
export const PRECISIONS = ["int4", "fp32"] as const;
export type Precision = (typeof PRECISIONS)[number];

export const BaseModelRef = z.object({
  /** Hub id or the folder it was prepared from; adapters name it in `base_model_name_or_path`. */
  id: z.string().min(1),
  modelType: z.enum(["qwen2", "llama"]),
  /** The hub revision (commit) it was prepared from, when it came from the hub cache. */
  revision: z.string().optional(),
  /** sha256 of config.json's bytes. */
  configSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** sha256 of the weights: of model.safetensors, or of the shards' bytes concatenated in name order. */
  weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BaseModelRef = z.infer<typeof BaseModelRef>;

export const DecoderConfigSchema = z.object({
  modelType: z.enum(["qwen2", "llama"]),
  vocabSize: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  intermediateSize: z.number().int().positive(),
  numLayers: z.number().int().positive(),
  numHeads: z.number().int().positive(),
  numKvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  rmsNormEps: z.number().positive(),
  ropeTheta: z.number().positive(),
  maxPositions: z.number().int().positive(),
  tieWordEmbeddings: z.boolean(),
});

export const ModelPackageManifest = z.object({
  schema: z.literal(MODEL_PACKAGE_SCHEMA),
  baseModel: BaseModelRef,
  config: DecoderConfigSchema,
  /** Weight precision of the base projections and the head; the embedding and LoRA branches are float32. */
  precision: z.enum(PRECISIONS),
  /** int4 only: MatMulNBits block size along K and accuracy_level. */
  quantization: z
    .object({ blockSize: z.number().int().positive(), accuracyLevel: z.number().int().min(0).max(4) })
    .nullable()
    .default(null),
  /** The FIM template of the family (runtime/src/prompt), null when the tokenizer has no FIM tokens. */
  fimTemplate: z.enum(TEMPLATE_IDS).nullable(),
  /** Token ids that end generation (eos and the template's stop tokens present in the vocabulary). */
  stopTokenIds: z.array(z.number().int().nonnegative()),
  files: z.object({
    model: z.string(),
    modelData: z.string(),
    tokenizer: z.string(),
    tokenizerConfig: z.string().nullable(),
    config: z.string(),
  }),
  createdAt: z.string(),
});
export type ModelPackageManifest = z.infer<typeof ModelPackageManifest>;

export const LoraManifest = z.object({
  schema: z.literal(LORA_MANIFEST_SCHEMA),
  baseModel: BaseModelRef,
  /** y = x·Wᵀ + (x·A)·B with A [inFeatures, rank], B [rank, outFeatures], the adapter's scale folded into B. */
  layout: z.literal("A[in,r]·B[r,out], scale in B"),
  /** What an adapter may target: every projection of every layer (PEFT module paths). */
  targets: z.array(
    z.object({
      module: z.enum(LORA_MODULES),
      layer: z.number().int().nonnegative(),
      path: z.string(),
      inFeatures: z.number().int().positive(),
      outFeatures: z.number().int().positive(),
    }),
  ),
  /**
   * The graph's LoRA inputs: per group of projections that read the same input, A = the members' A side by
   * side [in, Σr], B = their B block-diagonal [Σr, Σout] (member i's rows and its output columns).
   */
  groups: z.array(
    z.object({
      layer: z.number().int().nonnegative(),
      name: z.enum(LORA_GROUP_NAMES as [string, ...string[]]),
      path: z.string(),
      inFeatures: z.number().int().positive(),
      outFeatures: z.number().int().positive(),
      members: z.array(
        z.object({
          path: z.string(),
          outOffset: z.number().int().nonnegative(),
          outFeatures: z.number().int().positive(),
        }),
      ),
      inputA: z.string(),
      inputB: z.string(),
      rankDim: z.string(),
    }),
  ),
});
export type LoraManifest = z.infer<typeof LoraManifest>;

export function readJsonManifest<T>(dir: string, file: string, schema: z.ZodType<T>): T {
  const path = join(dir, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ModelPackageError(
      `${path} cannot be read (${(error as Error).message}); prepare the model package again`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelPackageError(
      `${path}: ${issue?.path.join(".") || "(root)"}: ${issue?.message}; this package was written by another version, prepare it again`,
    );
  }
  return parsed.data;
}
