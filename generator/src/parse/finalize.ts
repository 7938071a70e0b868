/**
 * The last pass over candidate spans, shared by grammar and text parsing: trim whitespace, drop empty,
 * oversized and error-touching spans, sort by (start, end, kind) and remove duplicates.
 */
import { SPAN_KINDS, type SpanKind } from "../../../runtime/src/contracts/dataset.ts";
import { isSpace } from "./rest-of-line.ts";
import { type SyntaxErrors, touchesError } from "./syntax-errors.ts";
import type { Span } from "./types.ts";

export interface SpanLimits {
  /** Longest span kept, in lines (a span on one line is 1). */
  maxLines: number;
  /** Longest span kept, in UTF-16 code units. */
  maxChars: number;
}

export const DEFAULT_SPAN_LIMITS: SpanLimits = { maxLines: 60, maxChars: 4000 };

const KIND_RANK = Object.fromEntries(SPAN_KINDS.map((kind, i) => [kind, i])) as Record<SpanKind, number>;
const NO_ERRORS: SyntaxErrors = { ranges: [], count: 0 };

export function finalizeSpans(
  candidates: readonly Span[],
  source: string,
  limits: SpanLimits,
  errors: SyntaxErrors = NO_ERRORS,
): Span[] {
  const lines = new LineIndex(source);
  const kept: Span[] = [];
  for (const candidate of candidates) {
    let { start, end } = candidate;
    while (start < end && isSpace(source.charCodeAt(start))) start++;
    while (end > start && isSpace(source.charCodeAt(end - 1))) end--;
    if (start === end || end - start > limits.maxChars) continue;
    // A span shorter than maxLines characters cannot have more lines than that.
    if (end - start >= limits.maxLines && lines.lineOf(end - 1) - lines.lineOf(start) + 1 > limits.maxLines)
      continue;
    if (errors.count > 0 && touchesError(errors, start, end)) continue;
    kept.push({ kind: candidate.kind, start, end });
  }
  kept.sort((a, b) => a.start - b.start || a.end - b.end || KIND_RANK[a.kind] - KIND_RANK[b.kind]);
  return kept.filter((span, i) => {
    const previous = kept[i - 1];
    return (
      previous === undefined ||
      span.start !== previous.start ||
      span.end !== previous.end ||
      span.kind !== previous.kind
    );
  });
}

/** 0-based line of an offset, by binary search over the line starts. */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}
