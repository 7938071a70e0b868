/**
 * The serving prompt of a completion request, built by the shared prompt layer (runtime/src/prompt) with the
 * same template, budget shares and token counter as the dataset generator, so the adapter sees at serving
 * time the prompt shape it was trained on.
 */
import { buildPrompt, type ContextFile, DEFAULT_BUDGET, type FimTemplate } from "../prompt/index.ts";

export interface PromptRequest {
  repoName: string;
  path: string;
  prefix: string;
  suffix: string;
  context: ContextFile[];
}

export interface ServingPrompt {
  ids: number[];
  text: string;
  /** The prefix and suffix as kept within the budget. */
  prefix: string;
  suffix: string;
  contextPaths: string[];
}

/**
 * Characters per budget token beyond which the prefix and suffix are cut before budgeting. Whole lines are
 * cut, so the prompt is the same as without the cut unless tokens averaged more than this many characters.
 * It bounds the tokenizer's work on very large files.
 */
const PRE_CUT_CHARS_PER_TOKEN = 16;

export function buildServingPrompt(
  request: PromptRequest,
  template: FimTemplate,
  tokenizer: { encode(text: string): number[]; count(text: string): number },
  maxTokens: number,
  /** Share of the budget the suffix may take; default the dataset's (DEFAULT_BUDGET.suffixShare). */
  suffixShare: number = DEFAULT_BUDGET.suffixShare,
): ServingPrompt {
  const limit = maxTokens * PRE_CUT_CHARS_PER_TOKEN;
  const prompt = buildPrompt({
    template,
    repoName: request.repoName,
    path: request.path,
    prefix: cutHead(request.prefix, limit),
    suffix: cutTail(request.suffix, limit),
    context: request.context,
    budget: { ...DEFAULT_BUDGET, maxTokens, suffixShare },
    countTokens: tokenizer.count,
  });
  return {
    ids: tokenizer.encode(prompt.text),
    text: prompt.text,
    prefix: prompt.prefix,
    suffix: prompt.suffix,
    contextPaths: prompt.context.map((c) => c.path),
  };
}

/** The last `limit` characters of `text`, starting at a line start. */
function cutHead(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const from = text.indexOf("\n", text.length - limit);
  return from < 0 ? text.slice(text.length - limit) : text.slice(from + 1);
}

/** The first `limit` characters of `text`, ending at a line end. */
function cutTail(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const to = text.lastIndexOf("\n", limit);
  return to < 0 ? text.slice(0, limit) : text.slice(0, to);
}
