/**
 * Assembles a FIM prompt within a token budget: the suffix gets a capped share, context snippets a capped
 * share, the prefix (nearest the cursor, most useful) the rest; unused room flows to context.
 * Cuts happen at line boundaries so the model never sees half a line at the edges.
 */
import type { ContextFile, FimTemplate } from "./templates.ts";
import type { TokenCounter } from "./tokens.ts";

export interface PromptBudget {
  /** Whole prompt, special tokens included. */
  maxTokens: number;
  /** Share of maxTokens the suffix may take at most. */
  suffixShare: number;
  /** Share of maxTokens context files may take when the prefix needs the room. */
  contextShare: number;
}

export const DEFAULT_BUDGET: PromptBudget = { maxTokens: 1024, suffixShare: 0.2, contextShare: 0.3 };

export interface PromptInput {
  template: FimTemplate;
  repoName: string;
  path: string;
  prefix: string;
  suffix: string;
  /** Ranked best first; kept in order while they fit. */
  context: ContextFile[];
  budget: PromptBudget;
  countTokens: TokenCounter;
}

export interface BuiltPrompt {
  prefix: string;
  suffix: string;
  context: ContextFile[];
  text: string;
  tokens: number;
}

/**
 * Keeps whole lines from the end of `text` within `budget` tokens (the part nearest the cursor). When not even
 * the last line fits, keeps as many of its last characters as fit, so the cursor's own line is never lost.
 */
export function keepTail(text: string, budget: number, count: TokenCounter): string {
  if (count(text) <= budget) return text;
  const lines = text.split("\n");
  let used = 0;
  let first = lines.length;
  while (first > 0) {
    const cost = count(`${lines[first - 1]}\n`);
    if (used + cost > budget) break;
    used += cost;
    first -= 1;
  }
  if (first === lines.length) return longestFitting(lines[lines.length - 1]!, budget, count, "tail");
  return lines.slice(first).join("\n");
}

/** Keeps whole lines from the start of `text` within `budget` tokens; see keepTail for the first line. */
export function keepHead(text: string, budget: number, count: TokenCounter): string {
  if (count(text) <= budget) return text;
  const lines = text.split("\n");
  let used = 0;
  let end = 0;
  while (end < lines.length) {
    const cost = count(`${lines[end]}\n`);
    if (used + cost > budget) break;
    used += cost;
    end += 1;
  }
  if (end === 0) return longestFitting(lines[0]!, budget, count, "head");
  return lines.slice(0, end).join("\n");
}

/** Binary search for the longest head or tail of one line within budget. */
function longestFitting(line: string, budget: number, count: TokenCounter, side: "head" | "tail"): string {
  const cut = (n: number) => (side === "head" ? line.slice(0, n) : line.slice(line.length - n));
  let low = 0;
  let high = line.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (count(cut(mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const { template, budget, countTokens: count } = input;
  const render = (prefix: string, suffix: string, context: ContextFile[]) =>
    template.render({ repoName: input.repoName, path: input.path, prefix, suffix, context });
  const frameTokens = count(render("", "", []));
  // What a context file adds to the rendered prompt, separators included.
  const contextCost = (file: ContextFile) => count(render("", "", [file])) - frameTokens;
  const available = Math.max(0, budget.maxTokens - frameTokens);

  const suffix = keepHead(input.suffix, Math.floor(budget.maxTokens * budget.suffixShare), count);
  const suffixTokens = count(suffix);
  // Room held back for context: only files that fit in the context share on their own count.
  const contextCap = Math.floor(budget.maxTokens * budget.contextShare);
  let contextReserve = 0;
  for (const file of input.context) {
    const cost = contextCost(file);
    if (contextReserve + cost <= contextCap) contextReserve += cost;
  }
  const prefix = keepTail(input.prefix, Math.max(0, available - suffixTokens - contextReserve), count);

  let room = available - suffixTokens - count(prefix);
  const context: ContextFile[] = [];
  for (const file of input.context) {
    const cost = contextCost(file);
    if (cost > room) continue;
    context.push(file);
    room -= cost;
  }
  const text = render(prefix, suffix, context);
  return { prefix, suffix, context, text, tokens: count(text) };
}
