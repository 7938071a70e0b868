/**
 * Rest-of-line spans: from a node that starts mid-line to the end of that line, as when a developer has
 * typed `const x = ` and wants the line finished. Kept only when the line ends on a token boundary, so a
 * multi-line string or comment is never cut open; a trailing comment is left out.
 */
import type { Node } from "web-tree-sitter";
import type { Span } from "./types.ts";

/** Where a line's code may end, worked out once per line (many starts share a line). */
interface LineEnd {
  /** End of the line's last non-space character, or -1 when that is inside a token. */
  end: number;
  /** Where a trailing comment starts, or -1 when there is none. */
  commentStart: number;
  /** End of the code before the comment, or -1 when that is inside a token. */
  codeEnd: number;
}

/** Starts further than `maxChars` from their line's end are skipped: on a minified line most are. */
export function restOfLineSpans(
  root: Node,
  source: string,
  starts: readonly number[],
  maxChars: number,
): Span[] {
  const spans: Span[] = [];
  let newline = -1; // the "\n" (or end of source) that ends the current start's line
  let line: LineEnd | undefined;
  // In order, so each line's end is searched for (and measured) once, even on a minified line.
  const sorted = Float64Array.from(starts).sort();
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!;
    if (start === sorted[i - 1]) continue;
    if (start > newline) {
      newline = source.indexOf("\n", start);
      if (newline === -1) newline = source.length;
      line = undefined;
    }
    if (!startsMidLine(source, start)) continue; // the node begins its line: not "rest of" anything
    line ??= measureLineEnd(root, source, newline);
    const end = line.commentStart > start ? line.codeEnd : line.end;
    if (end > start && end - start <= maxChars && hasWord(source, start, end)) {
      spans.push({ kind: "rest_of_line", start, end });
    }
  }
  return spans;
}

function measureLineEnd(root: Node, source: string, newline: number): LineEnd {
  // Callers only ask about lines with code on them, so trimming never runs into the line before.
  const end = trimEnd(source, newline);
  const last = root.descendantForIndex(end - 1, end);
  if (last === null) return { end: -1, commentStart: -1, codeEnd: -1 };
  const lastEnd = last.endIndex;
  if (!last.type.includes("comment"))
    return { end: lastEnd === end ? end : -1, commentStart: -1, codeEnd: -1 };
  const commentStart = last.startIndex;
  const codeEnd = trimEnd(source, commentStart);
  const code = codeEnd > 0 ? root.descendantForIndex(codeEnd - 1, codeEnd) : null;
  return {
    end: lastEnd === end ? end : -1,
    commentStart,
    codeEnd: code !== null && code.endIndex === codeEnd ? codeEnd : -1,
  };
}

function startsMidLine(source: string, start: number): boolean {
  for (let i = start - 1; i >= 0; i--) {
    const code = source.charCodeAt(i);
    if (code === 10) return false;
    if (!isSpace(code)) return true;
  }
  return false;
}

/** Bare punctuation (`(`, `{`, `};`) is not worth completing. */
function hasWord(source: string, start: number, end: number): boolean {
  return /[\p{L}\p{N}_$]/u.test(source.slice(start, end));
}

function trimEnd(source: string, to: number): number {
  let end = to;
  while (end > 0 && isSpace(source.charCodeAt(end - 1))) end--;
  return end;
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11;
}
