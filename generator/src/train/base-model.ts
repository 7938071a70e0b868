/**
 * Where a base model lives and which FIM template it speaks. The dataset's prompts must use the base model's
 * template, so this is decided before the dataset is built.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { detectFimTemplate } from "../../../runtime/src/model/special-tokens.ts";
import type { TemplateId } from "../../../runtime/src/prompt/index.ts";

export const DEFAULT_BASE_MODEL = "Qwen/Qwen2.5-Coder-0.5B";

/** A local folder, or the newest snapshot of a hub id in the local Hugging Face cache; null when neither. */
export function localModelDir(model: string): string | null {
  const path = resolve(model);
  if (existsSync(path) && statSync(path).isDirectory()) return path;
  if (!/^[\w.-]+\/[\w.-]+$/.test(model)) return null;
  const hubRoot =
    process.env.HF_HUB_CACHE ?? join(process.env.HF_HOME ?? join(homedir(), ".cache", "huggingface"), "hub");
  const snapshots = join(hubRoot, `models--${model.replace("/", "--")}`, "snapshots");
  if (!existsSync(snapshots)) return null;
  const newest = readdirSync(snapshots)
    .map((name) => ({ name, time: statSync(join(snapshots, name)).mtimeMs }))
    .sort((a, b) => b.time - a.time)[0];
  return newest ? join(snapshots, newest.name) : null;
}

const TEMPLATE_BY_NAME: Array<[RegExp, TemplateId]> = [
  [/qwen/i, "qwen2.5-coder"],
  [/starcoder|smollm/i, "starcoder2"],
  [/deepseek/i, "deepseek-coder"],
  [/codellama|code-llama/i, "codellama"],
];

/** From the tokenizer's special tokens when the model is on disk, else from its name; Qwen's by default. */
export function templateForBaseModel(model: string): TemplateId {
  const dir = model.endsWith(".gguf") ? null : localModelDir(model);
  const tokenizerPath = dir ? join(dir, "tokenizer.json") : null;
  if (tokenizerPath && existsSync(tokenizerPath)) {
    const detected = detectFimTemplate(JSON.parse(readFileSync(tokenizerPath, "utf8")));
    if (detected) return detected;
  }
  return TEMPLATE_BY_NAME.find(([pattern]) => pattern.test(model))?.[1] ?? "qwen2.5-coder";
}
