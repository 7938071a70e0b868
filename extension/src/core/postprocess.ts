/**
 * What the model said → what is shown as ghost text. Pure functions over strings, in pipeline order:
 * single-line cut, repeated-line stop, stop at the start of the suffix, trim the rest of the cursor's line that
 * the completion repeats, drop empty results.
 */

export interface CursorText {
  prefix: string;
  suffix: string;
}

/** Text between the start of the cursor's line and the cursor. */
export function linePrefix(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf("\n") + 1);
}

/** Text between the cursor and the end of its line. */
export function lineSuffix(suffix: string): string {
  const end = suffix.indexOf("\n");
  return end < 0 ? suffix : suffix.slice(0, end);
}

const CLOSERS = new Set([")", "]", "}", '"', "'", "`", ";", ",", ">"]);
/** Line endings that open a block: the next lines belong inside it. */
const OPENERS: Record<string, RegExp> = {
  default: /(\{|\(|\[|=>|->)\s*$/,
  python: /(:|\{|\(|\[)\s*(#.*)?$/,
  ruby: /(\{|\(|\[|\bdo(\s*\|[^|]*\|)?|\bthen|\bbegin)\s*$/,
  lua: /(\bdo|\bthen|\bfunction\s*[\w.:]*\([^)]*\)|\{|\()\s*$/,
  yaml: /:\s*$/,
};

/** The rest of the line holds only closing brackets, quotes and punctuation (or nothing). */
export function restOfLineIsClosers(suffix: string): boolean {
  for (const ch of lineSuffix(suffix).trim()) if (!CLOSERS.has(ch)) return false;
  return true;
}

/**
 * Multi-line when the cursor opens a block: at the end of a line that ends with an opener (`{`, `(`, `:` in
 * Python, `do` in Ruby …), between an auto-closed `{}`, or on a blank line just below an opener.
 * Single-line otherwise.
 */
export function shouldBeMultiline(prefix: string, suffix: string, languageId: string): boolean {
  if (!restOfLineIsClosers(suffix)) return false;
  const opener = OPENERS[languageId] ?? OPENERS.default!;
  const current = linePrefix(prefix);
  const rest = lineSuffix(suffix).trim();
  if (current.trim() !== "") {
    // `foo(|)` or `{"a": |}` close on this line: single-line. `{|}` (an auto-closed brace) opens a block.
    if (rest === "") return opener.test(current);
    return rest.startsWith("}") && current.trimEnd().endsWith("{");
  }
  const before = prefix.slice(0, prefix.length - current.length).split("\n");
  for (let i = before.length - 1; i >= 0; i -= 1) {
    const line = before[i]!;
    if (line.trim() === "") continue;
    return opener.test(line);
  }
  return false;
}

/** A line repeated `times` times in a row means a model stuck in a loop: keep the first, cut the rest. */
export function stopAtRepeatedLines(text: string, times = 3): string {
  const lines = text.split("\n");
  let run = 1;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    run = line.trim() !== "" && line === lines[i - 1] ? run + 1 : 1;
    if (run >= times) return lines.slice(0, i - times + 2).join("\n");
  }
  return text;
}

/**
 * Stops a multi-line completion where it starts repeating the code after the cursor: at the first completion
 * line (after its first) equal, indentation included, to the first non-blank line below the cursor's line.
 */
export function stopAtSuffix(text: string, suffix: string): string {
  const below = suffix.split("\n").slice(1);
  const next = below.find((l) => l.trim() !== "");
  if (next === undefined) return text;
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i += 1) {
    if (lines[i]!.trimEnd() === next.trimEnd()) return lines.slice(0, i).join("\n");
  }
  return text;
}

function bracketBalance(text: string): number {
  let balance = 0;
  for (const ch of text) {
    if (ch === "(" || ch === "[" || ch === "{") balance += 1;
    else if (ch === ")" || ch === "]" || ch === "}") balance -= 1;
  }
  return balance;
}

function count(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n += 1;
  return n;
}

/**
 * Removes from the end of the completion's first line the closers that the rest of the cursor's line already
 * has (`foo(|)` + `a, b)` → `a, b`), but only closers the completion did not open itself (`foo(|)` + `bar()`
 * keeps its parenthesis).
 */
export function trimLineSuffixOverlap(text: string, suffix: string): string {
  const rest = lineSuffix(suffix).trim();
  if (rest === "") return text;
  const newline = text.indexOf("\n");
  const first = newline < 0 ? text : text.slice(0, newline);
  const tail = newline < 0 ? "" : text.slice(newline);
  const firstTrimmed = first.trimEnd();
  if (firstTrimmed === rest || first.trim() === rest) return tail.trim() === "" ? "" : text;
  for (let k = rest.length; k >= 1; k -= 1) {
    const overlap = rest.slice(0, k);
    if (!firstTrimmed.endsWith(overlap)) continue;
    if (![...overlap].every((ch) => CLOSERS.has(ch))) continue;
    const kept = firstTrimmed.slice(0, firstTrimmed.length - k);
    if (!overlapIsExcess(kept, overlap)) continue;
    return kept + tail;
  }
  return text;
}

/** The removed closers close nothing the kept text opened. */
function overlapIsExcess(kept: string, overlap: string): boolean {
  if (bracketBalance(kept) > 0 && bracketBalance(overlap) < 0) return false;
  for (const quote of ['"', "'", "`"]) {
    if (overlap.includes(quote) && count(kept, quote) % 2 === 1) return false;
  }
  return true;
}

export interface PostprocessInput extends CursorText {
  multiline: boolean;
}

/** The whole chain; null when nothing worth showing is left. */
export function postprocess(raw: string, input: PostprocessInput): string | null {
  let text = raw.replace(/\r\n?/g, "\n");
  if (!input.multiline) {
    const end = text.indexOf("\n");
    if (end >= 0) text = text.slice(0, end);
  }
  text = stopAtRepeatedLines(text);
  if (input.multiline) text = stopAtSuffix(text, input.suffix);
  text = trimLineSuffixOverlap(text, input.suffix);
  text = text.trimEnd();
  // A completion that only ends the line (or repeats what follows the cursor) is no completion.
  if (text.trim() === "") return null;
  if (input.suffix.startsWith(text)) return null;
  return text;
}
