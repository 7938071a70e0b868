/**
 * Model packages: one folder per base model, prepared once, loaded by the engine.
 *
 *   model.onnx, model.onnx.data   the decoder graph (KV cache, LoRA pairs as inputs) and its weights
 *   repolora-model.json           base model, architecture, precision, FIM template, stop tokens
 *   lora_manifest.json            the LoRA inputs: name, module, layer, shapes
 *   tokenizer.json, tokenizer_config.json, config.json (copied from the source)
 *
 * Written to a temporary sibling folder and renamed into place, so a package is complete or absent.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ModelPackageError } from "../errors.ts";
import { ExternalDataWriter, GraphBuilder } from "../onnx/graph-builder.ts";
import { getTemplate, isTemplateId, type TemplateId } from "../prompt/index.ts";
import { type DecoderConfig, parseDecoderConfig } from "./config.ts";
import { type BaseWeightFormat, buildDecoderGraph, DECODER_OPSETS } from "./decoder-graph.ts";
import {
  type BaseModelRef,
  LORA_MANIFEST_FILE,
  LORA_MANIFEST_SCHEMA,
  LoraManifest,
  MODEL_PACKAGE_FILE,
  MODEL_PACKAGE_SCHEMA,
  ModelPackageManifest,
  type Precision,
  readJsonManifest,
} from "./manifest.ts";
import { type ModelSource, openModelSource } from "./model-source.ts";

/** Whether a source is a GGUF file (the CLI accepts one where it accepts a folder). */
export { isGgufPath } from "./model-source.ts";

import { detectFimTemplate, stopTokenIds } from "./special-tokens.ts";
import { DEFAULT_INT4, type Int4Options, weightFormat } from "./weight-formats.ts";
import type { BaseWeights } from "./weights-source.ts";

export interface PrepareOptions {
  /**
   * A Hugging Face model folder (config.json, model.safetensors or shards, tokenizer.json), or a qwen2 `.gguf`
   * file (dequantised to the bf16 weights transformers' conversion of it holds; see gguf/weights.ts).
   */
  source: string;
  outDir: string;
  /** The base model's id as adapters name it (`base_model_name_or_path`); default: the source folder path. */
  id?: string;
  /** Override the FIM template detected from the tokenizer's special tokens. */
  fimTemplate?: TemplateId;
  /** Replace an existing package at outDir. */
  overwrite?: boolean;
  /** Base projection and head weights: int4 MatMulNBits (default, for serving) or fp32 (parity, debugging). */
  precision?: Precision;
  int4?: Int4Options;
  /** The hub revision the source folder is a snapshot of (recorded in the manifest). */
  revision?: string;
  /**
   * Tests only: writes the base weights with this format instead of `precision`'s (e.g. the dequantised int4
   * reference); the manifest still says `precision`.
   */
  weightFormatOverride?: BaseWeightFormat;
  /** Told as each step starts and as each decoder layer is converted (the CLI shows it: a 0.5B model takes ~25 s). */
  onProgress?: (step: PrepareStep, done: number, of: number) => void;
}

/** The steps of prepareModelPackage, in order. */
export type PrepareStep = "hashing weights" | "converting layers" | "writing package";

export interface ModelPackage {
  dir: string;
  manifest: ModelPackageManifest;
  lora: LoraManifest;
  modelPath: string;
  tokenizerPath: string;
  tokenizerConfigPath: string | null;
}

export async function prepareModelPackage(options: PrepareOptions): Promise<ModelPackage> {
  const source = resolve(options.source);
  const outDir = resolve(options.outDir);
  if (existsSync(outDir) && !options.overwrite) {
    throw new ModelPackageError(`${outDir} already exists; pass overwrite to replace it`);
  }
  const input = openModelSource(source);
  try {
    return await writePackage(options, source, outDir, input);
  } finally {
    input.weights.close();
  }
}

async function writePackage(
  options: PrepareOptions,
  source: string,
  outDir: string,
  input: ModelSource,
): Promise<ModelPackage> {
  const hfConfig = JSON.parse(input.config.toString("utf8")) as Record<string, unknown>;
  const config = parseDecoderConfig(hfConfig, input.configLabel);
  const tokenizerJson = JSON.parse(input.tokenizer.toString("utf8")) as Record<string, unknown>;
  const tokenizerConfig = input.tokenizerConfig
    ? (JSON.parse(input.tokenizerConfig.toString("utf8")) as Record<string, unknown>)
    : null;
  const generationConfig = input.generationConfig;

  const fimTemplate = options.fimTemplate ?? detectFimTemplate(tokenizerJson);
  if (fimTemplate !== null && !isTemplateId(fimTemplate))
    throw new ModelPackageError(`unknown FIM template ${fimTemplate}`);

  const precision = options.precision ?? "int4";
  const int4 = options.int4 ?? DEFAULT_INT4;

  const staging = join(dirname(outDir), `.${basename(outDir)}.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const weights = input.weights;
    options.onProgress?.("hashing weights", 0, 1);
    const baseModel: BaseModelRef = {
      id: options.id ?? source,
      ...(options.revision ? { revision: options.revision } : {}),
      modelType: config.modelType,
      configSha256: sha256(input.config),
      weightsSha256: weights.sha256(),
    };
    const format = options.weightFormatOverride ?? weightFormat(precision, int4);
    const onLayer = (done: number) => options.onProgress?.("converting layers", done, config.numLayers);
    onLayer(0);
    const { targets, groups } = writeDecoderGraph(staging, config, weights, format, onLayer);
    options.onProgress?.("writing package", 0, 1);
    const lora: LoraManifest = {
      schema: LORA_MANIFEST_SCHEMA,
      baseModel,
      layout: "A[in,r]·B[r,out], scale in B",
      targets,
      groups,
    };

    writeFileSync(join(staging, "config.json"), input.config);
    writeFileSync(join(staging, "tokenizer.json"), input.tokenizer);
    if (input.tokenizerConfig) writeFileSync(join(staging, "tokenizer_config.json"), input.tokenizerConfig);
    const manifest: ModelPackageManifest = {
      schema: MODEL_PACKAGE_SCHEMA,
      baseModel,
      config,
      precision,
      quantization: precision === "int4" ? int4 : null,
      fimTemplate,
      stopTokenIds: stopTokenIds(
        tokenizerJson,
        fimTemplate ? getTemplate(fimTemplate) : null,
        [hfConfig.eos_token_id, generationConfig.eos_token_id],
        tokenizerConfig?.eos_token,
      ),
      files: {
        model: "model.onnx",
        modelData: "model.onnx.data",
        tokenizer: "tokenizer.json",
        tokenizerConfig: tokenizerConfig ? "tokenizer_config.json" : null,
        config: "config.json",
      },
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(staging, LORA_MANIFEST_FILE), `${JSON.stringify(lora, null, 2)}\n`);
    writeFileSync(join(staging, MODEL_PACKAGE_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return openModelPackage(outDir);
}

function writeDecoderGraph(
  dir: string,
  config: DecoderConfig,
  weights: BaseWeights,
  format: BaseWeightFormat,
  onLayer: (done: number) => void,
) {
  const externalData = new ExternalDataWriter(join(dir, "model.onnx.data"));
  try {
    const graph = new GraphBuilder(externalData);
    const lora = buildDecoderGraph(graph, config, weights, format, onLayer);
    writeFileSync(
      join(dir, "model.onnx"),
      graph.encode(`repolora-${config.modelType}-decoder`, DECODER_OPSETS),
    );
    return lora;
  } finally {
    externalData.close();
  }
}

/** Reads and validates a prepared package. */
export function openModelPackage(dir: string): ModelPackage {
  const root = resolve(dir);
  if (!existsSync(join(root, MODEL_PACKAGE_FILE))) {
    throw new ModelPackageError(
      `${root} is not a model package (no ${MODEL_PACKAGE_FILE}); run \`repolora model prepare\``,
    );
  }
  const manifest = readJsonManifest(root, MODEL_PACKAGE_FILE, ModelPackageManifest);
  const lora = readJsonManifest(root, LORA_MANIFEST_FILE, LoraManifest);
  for (const file of [manifest.files.model, manifest.files.modelData, manifest.files.tokenizer]) {
    if (!existsSync(join(root, file)))
      throw new ModelPackageError(`${root}: ${file} is missing; prepare the package again`);
  }
  return {
    dir: root,
    manifest,
    lora,
    modelPath: join(root, manifest.files.model),
    tokenizerPath: join(root, manifest.files.tokenizer),
    tokenizerConfigPath: manifest.files.tokenizerConfig ? join(root, manifest.files.tokenizerConfig) : null,
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
