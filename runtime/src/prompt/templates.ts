/**
 * Fill-in-the-middle prompt formats per model family, with the tokens that end a completion.
 * Shared by the generator (training prompts), the runtime and the extension (serving prompts):
 * this folder imports nothing else of the project.
 */

/** One file of repository context placed before the file being completed. */
export interface ContextFile {
  path: string;
  text: string;
}

/** Everything a template needs; prefix, suffix and context are already within budget. */
export interface PromptParts {
  repoName: string;
  path: string;
  prefix: string;
  suffix: string;
  context: ContextFile[];
}

export interface FimTemplate {
  id: TemplateId;
  render(parts: PromptParts): string;
  /** Appended to the middle as the end of a training target; the model emits it when done. */
  completionEnd: string;
  /** Any of these ends a completion at serving time. */
  stop: string[];
  /** The special tokens `render` writes; a tokenizer must have each as one token to express the template. */
  markers: string[];
}

export const TEMPLATE_IDS = [
  "qwen2.5-coder",
  "qwen2.5-coder-spm",
  "starcoder2",
  "deepseek-coder",
  "codellama",
] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];

/** Context for families without file separators: each file as a comment-headed block before the prefix. */
function inlineContext(parts: PromptParts): string {
  const comment = lineComment(parts.path);
  const files = parts.context.map((c) => `${comment} ${c.path}\n${c.text}\n`).join("");
  return parts.context.length > 0 ? `${files}${comment} ${parts.path}\n` : "";
}

const COMMENT_BY_EXTENSION: Record<string, string> = {
  py: "#",
  rb: "#",
  sh: "#",
  yaml: "#",
  yml: "#",
  toml: "#",
  r: "#",
  pl: "#",
  lua: "--",
  sql: "--",
  hs: "--",
};

export function lineComment(path: string): string {
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return COMMENT_BY_EXTENSION[extension] ?? "//";
}

// Qwen2.5-Coder's repo-level format (its model card): <|repo_name|>, then <|file_sep|>path\ncontent per file.
const qwenRepoHeader = (p: PromptParts) =>
  `<|repo_name|>${p.repoName}\n${p.context.map((c) => `<|file_sep|>${c.path}\n${c.text}\n`).join("")}` +
  `<|file_sep|>${p.path}\n`;

const QWEN_STOP = [
  "<|endoftext|>",
  "<|file_sep|>",
  "<|fim_prefix|>",
  "<|fim_suffix|>",
  "<|fim_middle|>",
  "<|fim_pad|>",
  "<|repo_name|>",
];
const QWEN_MARKERS = ["<|repo_name|>", "<|file_sep|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"];

// The base model's native prefix-suffix-middle (PSM) order.
const qwen: FimTemplate = {
  id: "qwen2.5-coder",
  render: (p) => `${qwenRepoHeader(p)}<|fim_prefix|>${p.prefix}<|fim_suffix|>${p.suffix}<|fim_middle|>`,
  completionEnd: "<|endoftext|>",
  stop: QWEN_STOP,
  markers: QWEN_MARKERS,
};

// Suffix-prefix-middle (SPM) with Qwen's tokens, in llama.cpp's `spm_infill` order (suffix block, then prefix
// block, then the middle marker). Typing inserts at the cursor, so everything before the prefix's end (context,
// suffix, prefix) is unchanged from one keystroke to the next and its KV state is reused. Qwen2.5-Coder was
// pretrained on PSM only: this order is for adapters trained with it (docs/decisions/2026-12-05-prompt-order.md).
const qwenSpm: FimTemplate = {
  id: "qwen2.5-coder-spm",
  render: (p) => `${qwenRepoHeader(p)}<|fim_suffix|>${p.suffix}<|fim_prefix|>${p.prefix}<|fim_middle|>`,
  completionEnd: "<|endoftext|>",
  stop: QWEN_STOP,
  markers: QWEN_MARKERS,
};

// StarCoder2 and SmolLM share StarCoder's special tokens.
const starcoder2: FimTemplate = {
  id: "starcoder2",
  render: (p) =>
    `<repo_name>${p.repoName}${p.context.map((c) => `<file_sep>${c.path}\n${c.text}\n`).join("")}` +
    `<file_sep>${p.path}\n<fim_prefix>${p.prefix}<fim_suffix>${p.suffix}<fim_middle>`,
  completionEnd: "<|endoftext|>",
  stop: ["<|endoftext|>", "<file_sep>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<repo_name>"],
  markers: ["<repo_name>", "<file_sep>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"],
};

const deepseek: FimTemplate = {
  id: "deepseek-coder",
  render: (p) => `<｜fim▁begin｜>${inlineContext(p)}${p.prefix}<｜fim▁hole｜>${p.suffix}<｜fim▁end｜>`,
  completionEnd: "<｜end▁of▁sentence｜>",
  stop: ["<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<|EOT|>"],
  markers: ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"],
};

// CodeLlama's infilling format (PSM) from its paper and reference code.
const codellama: FimTemplate = {
  id: "codellama",
  render: (p) => `<PRE> ${inlineContext(p)}${p.prefix} <SUF>${p.suffix} <MID>`,
  completionEnd: " <EOT>",
  stop: [" <EOT>", "<EOT>", "</s>"],
  markers: ["<PRE>", "<SUF>", "<MID>"],
};

const TEMPLATES: Record<TemplateId, FimTemplate> = {
  "qwen2.5-coder": qwen,
  "qwen2.5-coder-spm": qwenSpm,
  starcoder2,
  "deepseek-coder": deepseek,
  codellama,
};

export function isTemplateId(id: string): id is TemplateId {
  return (TEMPLATE_IDS as readonly string[]).includes(id);
}

export function getTemplate(id: TemplateId): FimTemplate {
  return TEMPLATES[id];
}
