/**
 * Where a base model lives and which FIM template it speaks. The dataset's prompts must use the base model's
 * template, so this is decided before the dataset is built.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { detectFimTemplate } from "../../../runtime/src/model/special-tokens.ts";
import type { TemplateId } from "../../../runtime/src/prompt/index.ts";
import { RepoLoraError } from "../util/errors.ts";
import { EMBEDDED_BASE_LABEL, ensureEmbeddedBase } from "./embedded-default.ts";

/** How help texts name the default of --base. */
export const DEFAULT_BASE_MODEL = EMBEDDED_BASE_LABEL;
const HUB_PROBE_MS = 3000;

/**
 * The base model a command uses: the embedded default when none is given; otherwise what was given, except a hub
 * id that is neither in the local hub cache nor reachable, which fails in seconds (the trainer's own retries
 * took over a minute) with a pointer to the default.
 */
export async function resolveBaseModel(
  given: string | undefined,
  say: (line: string) => void,
): Promise<string> {
  if (given === undefined) return ensureEmbeddedBase(say);
  if (given.endsWith(".gguf") || localModelDir(given) !== null || !/^[\w.-]+\/[\w.-]+$/.test(given))
    return given;
  if (await hubReachable()) return given;
  throw new RepoLoraError(
    "MODEL_NOT_FOUND",
    `--base ${given} is not in the local Hugging Face cache and the model hub cannot be reached.`,
    `Leave --base out to use the embedded default, ${EMBEDDED_BASE_LABEL}, or pass a local model folder or .gguf file.`,
  );
}

async function hubReachable(): Promise<boolean> {
  if (process.env.HF_HUB_OFFLINE === "1") return false;
  const endpoint = process.env.HF_ENDPOINT ?? "https://huggingface.co";
  try {
    await fetch(endpoint, { method: "HEAD", signal: AbortSignal.timeout(HUB_PROBE_MS) });
    return true;
  } catch {
    return false;
  }
}

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
