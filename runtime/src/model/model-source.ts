/**
 * What a model package is prepared from: a Hugging Face folder (config.json, tokenizer.json, safetensors) or a
 * GGUF file (qwen2; config, tokenizer and weights all from the one file — no Python needed).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { UnsupportedModelError } from "../errors.ts";
import { hfConfig } from "./gguf/qwen2.ts";
import { GgufFile } from "./gguf/read.ts";
import { tokenizerConfigJson, tokenizerJson } from "./gguf/tokenizer.ts";
import { GgufWeights } from "./gguf/weights.ts";
import { HfWeights } from "./hf-weights.ts";
import type { BaseWeights } from "./weights-source.ts";

export interface ModelSource {
  /** The files' bytes as the package will hold them. */
  config: Buffer;
  tokenizer: Buffer;
  tokenizerConfig: Buffer | null;
  generationConfig: Record<string, unknown>;
  /** Where config.json came from, for error messages. */
  configLabel: string;
  weights: BaseWeights;
}

export function isGgufPath(source: string): boolean {
  return source.toLowerCase().endsWith(".gguf") && existsSync(source) && statSync(source).isFile();
}

/** Opens the source; the caller closes `weights`. */
export function openModelSource(source: string): ModelSource {
  return isGgufPath(source) ? openGguf(source) : openFolder(source);
}

function openFolder(source: string): ModelSource {
  const configPath = join(source, "config.json");
  const tokenizerPath = join(source, "tokenizer.json");
  for (const required of [configPath, tokenizerPath]) {
    if (!existsSync(required)) throw new UnsupportedModelError(`${source}: ${basename(required)} is missing`);
  }
  const tokenizerConfigPath = join(source, "tokenizer_config.json");
  const generationConfigPath = join(source, "generation_config.json");
  return {
    config: readFileSync(configPath),
    tokenizer: readFileSync(tokenizerPath),
    tokenizerConfig: existsSync(tokenizerConfigPath) ? readFileSync(tokenizerConfigPath) : null,
    generationConfig: existsSync(generationConfigPath)
      ? (JSON.parse(readFileSync(generationConfigPath, "utf8")) as Record<string, unknown>)
      : {},
    configLabel: configPath,
    weights: HfWeights.open(source),
  };
}

function openGguf(source: string): ModelSource {
  const file = GgufFile.open(source);
  try {
    const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
    const config = hfConfig(file);
    return {
      config: json(config),
      tokenizer: Buffer.from(JSON.stringify(tokenizerJson(file))),
      tokenizerConfig: json(tokenizerConfigJson(file)),
      generationConfig: { eos_token_id: config.eos_token_id },
      configLabel: `${source} (GGUF metadata)`,
      weights: GgufWeights.fromFile(file),
    };
  } catch (error) {
    file.close();
    throw error;
  }
}
