/**
 * Chooses which spans of a file become FIM examples: a configurable mix of span kinds, a size cap, and a
 * count that grows with the file (density.ts), all deterministic for a seed.
 */

import { SPAN_KINDS, type SpanKind } from "../../../runtime/src/contracts/dataset.ts";
import type { LineRange } from "../mine/diff.ts";
import type { Span } from "../parse/types.ts";
import { DEFAULT_DENSITY, DEFAULT_EVAL_DENSITY, DENSITY_LEVELS, examplesWanted } from "./density.ts";
import { type Random, seededRandom } from "./random.ts";

export type SpanMix = Record<SpanKind, number>;

/** Weighted toward what completions are asked for: the rest of the line and the next statement or few. */
export const DEFAULT_SPAN_MIX: SpanMix = {
  rest_of_line: 0.3,
  statement: 0.2,
  expression: 0.15,
  call_args: 0.15,
  block: 0.15,
  lines: 0.05,
};

export interface SamplingOptions {
  seed: number;
  spanMix: SpanMix;
  /** Training examples per 100 lines of a file (density.ts); Infinity takes every eligible span. */
  density: number;
  /** The same for evaluation examples (per 100 lines added after the cutoff); sparse unless asked. */
  evalDensity: number;
  maxMiddleLines: number;
  maxMiddleChars: number;
}

export const DEFAULT_SAMPLING: SamplingOptions = {
  seed: 1,
  spanMix: DEFAULT_SPAN_MIX,
  density: DENSITY_LEVELS[DEFAULT_DENSITY],
  evalDensity: DENSITY_LEVELS[DEFAULT_EVAL_DENSITY],
  maxMiddleLines: 24,
  maxMiddleChars: 1200,
};

/** Parses "rest_of_line=3,block=1" into a mix; unknown kinds are an error naming the kind. */
export function parseSpanMix(text: string): SpanMix {
  const mix = Object.fromEntries(SPAN_KINDS.map((k) => [k, 0])) as SpanMix;
  for (const part of text.split(",").filter(Boolean)) {
    const [kind, weight] = part.split("=");
    if (!kind || !(SPAN_KINDS as readonly string[]).includes(kind) || !(Number(weight) >= 0)) {
      throw new Error(`bad span mix entry '${part}': use kind=weight with kinds ${SPAN_KINDS.join(", ")}`);
    }
    mix[kind as SpanKind] = Number(weight);
  }
  return mix;
}

/** Line number (0-based) of each line start, for offset → line lookups. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

export function lineOf(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

function withinRanges(ranges: readonly LineRange[], first: number, last: number): boolean {
  return ranges.some((r) => r.start <= first && last < r.end);
}

export interface SampleRequest {
  key: string;
  text: string;
  spans: readonly Span[];
  /** Line starts of `text` when the caller has them (see lineStarts). */
  starts?: readonly number[];
  /** When given, only spans whose lines all lie inside these ranges are eligible (evaluation code). */
  onlyLines?: readonly LineRange[];
}

/** True when text[start, end) holds a non-whitespace character; no substring is allocated. */
function hasContent(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return true;
  }
  return false;
}

/** The spans chosen for a file, in file order. */
export function sampleSpans(request: SampleRequest, options: SamplingOptions): Span[] {
  return sortSpans(pickSpans(request, options));
}

export function sortSpans(spans: readonly Span[]): Span[] {
  return [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * The spans chosen for a file in the order they were drawn: each draw picks a kind by the mix among the kinds
 * left, then a span of that kind. A shorter count takes a prefix of the same draws, so a budget that lowers a
 * file's count (density.ts allocateBudget) keeps a subset of what the density alone would choose.
 */
export function pickSpans(request: SampleRequest, options: SamplingOptions): Span[] {
  const starts = request.starts ?? lineStarts(request.text);
  const byKind = eligibleByKind(request, starts, options);
  const eligibleLines = request.onlyLines
    ? request.onlyLines.reduce((sum, r) => sum + r.end - r.start, 0)
    : starts.length;
  const eligibleSpans = [...byKind.values()].reduce((sum, list) => sum + list.length, 0);
  const wanted = examplesWanted(options.density, eligibleLines, eligibleSpans);
  const random = seededRandom(options.seed, request.key);
  const chosen: Span[] = [];
  while (chosen.length < wanted && byKind.size > 0) {
    const kind = pickKind(byKind, options.spanMix, random);
    const list = byKind.get(kind)!;
    const [span] = list.splice(Math.floor(random() * list.length), 1);
    if (list.length === 0) byKind.delete(kind);
    if (span) chosen.push(span);
  }
  return chosen;
}

/** Spans that may be middles: within the size caps, with content, in the allowed lines, of a kind in the mix. */
function eligibleByKind(
  request: SampleRequest,
  starts: readonly number[],
  options: SamplingOptions,
): Map<SpanKind, Span[]> {
  const byKind = new Map<SpanKind, Span[]>();
  for (const span of request.spans) {
    if (span.end - span.start > options.maxMiddleChars || !hasContent(request.text, span.start, span.end))
      continue;
    const first = lineOf(starts, span.start);
    const last = lineOf(starts, Math.max(span.start, span.end - 1));
    if (last - first + 1 > options.maxMiddleLines) continue;
    if (request.onlyLines && !withinRanges(request.onlyLines, first, last)) continue;
    if (!(options.spanMix[span.kind] > 0)) continue;
    const list = byKind.get(span.kind) ?? [];
    list.push(span);
    byKind.set(span.kind, list);
  }
  return byKind;
}

function pickKind(byKind: Map<SpanKind, Span[]>, mix: SpanMix, random: Random): SpanKind {
  const kinds = [...byKind.keys()];
  const total = kinds.reduce((sum, k) => sum + mix[k], 0);
  let roll = random() * total;
  for (const kind of kinds) {
    roll -= mix[kind];
    if (roll < 0) return kind;
  }
  return kinds[kinds.length - 1]!;
}
