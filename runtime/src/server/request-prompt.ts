/**
 * The prompt of a `complete` request as the server builds it: the snippets that can fit the budget, then the
 * shared prompt builder with the request's suffix share. One function, so benchmarks that replay requests
 * (bench/speed/typing-replay.ts) feed other engines exactly the server's prompt.
 */
import { buildServingPrompt, type ServingPrompt } from "../complete/prompt.ts";
import type { TextTokenizer } from "../model/tokenizer.ts";
import type { FimTemplate } from "../prompt/index.ts";
import type { Methods } from "../protocol/index.ts";
import { snippetsWithinBudget } from "./limits.ts";

export function requestPrompt(
  params: Methods["complete"]["params"],
  template: FimTemplate,
  tokenizer: TextTokenizer,
  maxPromptTokens: number,
): ServingPrompt {
  return buildServingPrompt(
    { ...params, context: snippetsWithinBudget(params.context, maxPromptTokens) },
    template,
    tokenizer,
    maxPromptTokens,
    params.suffixShare,
  );
}
