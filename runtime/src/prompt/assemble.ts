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
 * Scans from the cut side only: cost grows with what is kept, not with the size of the file.
 */
export function keepTail(text: string, budget: number, count: TokenCounter): string {
  if (count(text) <= budget) return text;
  let used = 0;
  let start = text.length; // start of the kept tail
  while (start > 0) {
    const lineStart = text.lastIndexOf("\n", start - 2) + 1; // start of the line ending at start - 1
    const cost = count(text.slice(lineStart, start));
    if (used + cost > budget) break;
    used += cost;
    start = lineStart;
  }
  if (start === text.length) {
    const lastLine = text.slice(text.lastIndexOf("\n") + 1);
    return longestFitting(lastLine, budget, count, "tail");
  }
  return text.slice(start);
}

/** On average one line in this many is an anchor line where a cut prefix may start (see keepTailAnchored). */
export const PREFIX_ANCHOR_EVERY = 8;
/** Lines past keepTail's start searched for an anchor; beyond them the plain cut is used. */
const ANCHOR_SEARCH_LINES = 4 * PREFIX_ANCHOR_EVERY;

/** FNV-1a over UTF-16 code units: a stable, content-only hash of one line. */
function lineHash(line: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < line.length; i++) {
    hash ^= line.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * keepTail for the prefix, with a start that stays put while the user types. A cut prefix starts only at an
 * anchor line (one whose content hashes to 0 mod PREFIX_ANCHOR_EVERY), the first one at or after where keepTail
 * would start. Typing adds text at the end of the prefix, so the plain cut moves forward a line at a time and
 * each move changes the prompt's tokens from the prefix's head on, which the KV cache must then prefill again
 * (the whole prefix with the suffix-first order, the prefix and the suffix with PSM). Anchors depend only on
 * the lines' own text, not on where the editor's character window begins, so the start moves about once every
 * PREFIX_ANCHOR_EVERY lines of growth instead, at the cost of that many lines of prefix on average. The
 * cursor's line is never dropped for an anchor; with no anchor in reach, the plain cut.
 */
export function keepTailAnchored(text: string, budget: number, count: TokenCounter): string {
  const plain = keepTail(text, budget, count);
  if (plain.length === text.length || !plain.includes("\n")) return plain;
  let start = text.length - plain.length; // a line start
  const cursorLine = text.lastIndexOf("\n") + 1;
  for (let scanned = 0; scanned < ANCHOR_SEARCH_LINES && start < cursorLine; scanned++) {
    const newline = text.indexOf("\n", start);
    if (lineHash(text.slice(start, newline)) % PREFIX_ANCHOR_EVERY === 0) return text.slice(start);
    start = newline + 1;
  }
  return plain;
}

/** Keeps whole lines from the start of `text` within `budget` tokens; see keepTail for the first line. */
export function keepHead(text: string, budget: number, count: TokenCounter): string {
  if (count(text) <= budget) return text;
  let used = 0;
  let end = 0; // end of the kept head (exclusive, just after a newline)
  while (end < text.length) {
    const newline = text.indexOf("\n", end);
    const lineEnd = newline < 0 ? text.length : newline + 1;
    const cost = count(text.slice(end, lineEnd));
    if (used + cost > budget) break;
    used += cost;
    end = lineEnd;
  }
  if (end === 0)
    return longestFitting(
      text.slice(0, text.indexOf("\n") < 0 ? text.length : text.indexOf("\n")),
      budget,
      count,
      "head",
    );
  // Drop the newline that ended the last kept line, as the split-based version did.
  return text.slice(0, text[end - 1] === "\n" ? end - 1 : end);
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
  const prefix = keepTailAnchored(
    input.prefix,
    Math.max(0, available - suffixTokens - contextReserve),
    count,
  );

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
