/**
 * The line-based fallback for files without a grammar: "lines" spans of 1 to a few whole lines, and
 * "rest_of_line" spans after an `=`, `:`, `(`, `,` or the line's first word (`key = value`, `- item`).
 */
import type { Span } from "./types.ts";

/** Span lengths in lines; a spread rather than every length keeps the count linear in the file size. */
const LINE_COUNTS = [1, 2, 3, 5, 8, 13];

/** `maxChars` only saves work: longer candidates are not built (finalizeSpans would drop them). */
export function textSpans(source: string, maxChars: number): Span[] {
  const lines = splitLines(source);
  const spans: Span[] = [];
  lines.forEach((line, i) => {
    if (line.blank) return;
    for (const count of LINE_COUNTS) {
      const last = lines[i + count - 1];
      if (last === undefined || last.end - line.start > maxChars) break;
      if (!last.blank) spans.push({ kind: "lines", start: line.start, end: last.end });
    }
    for (const start of restStarts(source, line)) {
      if (line.end - start <= maxChars) spans.push({ kind: "rest_of_line", start, end: line.end });
    }
  });
  return spans;
}

interface Line {
  start: number;
  /** Before the line break. */
  end: number;
  blank: boolean;
}

function splitLines(source: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= source.length) {
    const newline = source.indexOf("\n", start);
    const end = newline === -1 ? source.length : newline;
    lines.push({ start, end, blank: !/\S/.test(source.slice(start, end)) });
    if (newline === -1) break;
    start = newline + 1;
  }
  return lines;
}

/** Mid-line positions worth completing from, in order; finalizeSpans trims and drops the empty ones. */
function restStarts(source: string, line: Line): number[] {
  const text = source.slice(line.start, line.end);
  const starts: number[] = [];
  const firstGap = /^\s*\S+\s+(?=\S)/.exec(text);
  if (firstGap !== null) starts.push(line.start + firstGap[0].length);
  for (const match of text.matchAll(/[=:(,]\s*(?=\S)/g)) {
    const at = line.start + match.index + match[0].length;
    if (at !== starts[0]) starts.push(at);
  }
  return starts;
}
