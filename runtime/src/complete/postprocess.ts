/**
 * Final touches on a completion once generation stopped: no trailing whitespace, and no text that repeats
 * what already follows the cursor.
 *
 * - Trailing whitespace (and trailing blank lines) is dropped, and so is a trailing U+FFFD: the first byte(s)
 *   of a character whose remaining bytes were never generated (max tokens hit mid-character).
 * - Overlap with the rest of the cursor line: when the completion ends with the suffix's rest of the line
 *   (trimmed), that tail is dropped if it closes something the completion did not open (`a, b)` before `)`
 *   → `a, b`; but `f(1)` before `)` stays whole) or is at least 4 characters long.
 * - Multi-line: trailing lines equal to the suffix's first lines are dropped (the model rewrote them).
 */
import { firstSuffixLine } from "./stop-rules.ts";

const MIN_PLAIN_OVERLAP = 4;
const PAIRS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
const QUOTES = new Set(['"', "'", "`"]);

export function finishCompletion(text: string, suffix: string, multiline: boolean): string {
  let out = text.replace(/\uFFFD+$/, "").trimEnd();
  if (multiline) out = dropRepeatedSuffixLines(out, suffix);
  return dropRestOfLineOverlap(out, suffix);
}

/** True when `closer` appears in `text` more often than the completion opens it (quotes: an odd count). */
function closesUnopened(text: string, closer: string): boolean {
  const count = (ch: string) => text.split(ch).length - 1;
  if (QUOTES.has(closer)) return count(closer) % 2 === 1;
  const opener = PAIRS[closer];
  return opener !== undefined && count(closer) > count(opener);
}

function dropRestOfLineOverlap(text: string, suffix: string): string {
  const rest = suffix.split("\n", 1)[0]!.trim();
  if (rest === "" || !text.endsWith(rest)) return text;
  const kept = text.slice(0, text.length - rest.length);
  // The completion's own last line decides (a multi-line completion's earlier lines are complete code).
  const lastLine = text.slice(text.lastIndexOf("\n") + 1);
  const unopened = [...rest].some((ch) => closesUnopened(lastLine, ch));
  return unopened || rest.length >= MIN_PLAIN_OVERLAP ? kept.trimEnd() : text;
}

function dropRepeatedSuffixLines(text: string, suffix: string): string {
  const first = firstSuffixLine(suffix);
  if (first === null) return text;
  const lines = text.split("\n");
  // Only lines after the cursor line can repeat the suffix's next lines.
  const at = lines.findIndex((line, i) => i > 0 && line.trimEnd() === first);
  return at > 0 ? lines.slice(0, at).join("\n").trimEnd() : text;
}
