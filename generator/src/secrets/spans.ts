import { REDACTED } from "./kinds.ts";

/** [start, end) string indices of secret characters to overwrite. */
export type SecretSpan = readonly [start: number, end: number];

/** Writes REDACTED over each span; spans must be sorted and must not overlap. */
export function redactSpans(text: string, spans: readonly SecretSpan[]): string {
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let cursor = 0;
  for (const [start, end] of spans) {
    parts.push(text.slice(cursor, start), REDACTED);
    cursor = end;
  }
  parts.push(text.slice(cursor));
  return parts.join("");
}
