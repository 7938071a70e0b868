/**
 * When a completion ends, decided on the text generated so far (checked after every token, in the engine's
 * worker, so no step is spent past the stop). Besides the stop tokens (by id, in the engine) and max tokens:
 *
 * 1. stop string: the text contains one of the template's stop strings → cut before it ("stop-token").
 * 2. single-line requests: the first newline ends the completion ("end-of-line").
 * 3. multi-line requests, "end-of-block"; the cursor line's indentation is the block's base:
 *    a. dedent: a line indented less than the cursor line ends it (decided as soon as the line's first
 *       non-blank character arrives, so `}` closing the enclosing block is never generated in full);
 *    b. paragraph: a non-blank line at or below the base indentation that follows a blank line ends it (the
 *       next top-level statement after the block the cursor opened);
 *    c. suffix: a complete line identical (up to trailing whitespace) to the first non-blank line of the
 *       suffix ends it — the model started rewriting the code after the cursor.
 *    The line that triggers a rule is not part of the completion; the text is cut at the end of the line
 *    before it.
 */
import { firstSuffixLine, linePrefix } from "../prompt/postprocess.ts";

export type TextStopReason = "stop-token" | "end-of-line" | "end-of-block";

/** What the stop rules need to know about a request; plain data, so it crosses to the worker thread. */
export interface CompletionStopSpec {
  multiline: boolean;
  /** Text of the cursor line before the cursor. */
  linePrefix: string;
  /** Text after the cursor (the start is enough: its first non-blank lines). */
  suffix: string;
  /** Strings that end a completion wherever they appear (the template's stop tokens as text). */
  stopStrings: readonly string[];
  /** Width of a tab when comparing indentation. */
  tabSize?: number;
  /**
   * Token healing: the generated text starts with this, the last characters the user typed, which the prompt
   * left out so the model could choose how to tokenize them; the rules and the completion see the text after it.
   */
  healed?: string;
}

export interface StopPoint {
  /** Characters of the completion to keep. */
  at: number;
  reason: TextStopReason;
}

/** Indentation width of a line (tabs count tabSize), or null for a blank line (indentation not known yet). */
export function indentation(line: string, tabSize = 4): number | null {
  let width = 0;
  for (const ch of line) {
    if (ch === " ") width += 1;
    else if (ch === "\t") width += tabSize;
    else if (ch === "\r") continue;
    else return width;
  }
  return null;
}

/** The spec of a request: its cursor line and the suffix's first lines. */
export function stopSpecFor(
  prefix: string,
  suffix: string,
  multiline: boolean,
  stopStrings: readonly string[],
): CompletionStopSpec {
  // Only the first few lines of the suffix matter (rule 3c and the overlap trim).
  const suffixHead = suffix.split("\n").slice(0, 8).join("\n");
  return { multiline, linePrefix: linePrefix(prefix), suffix: suffixHead, stopStrings };
}

/** Where the completion `text` must end, or null to keep generating. */
export function findStop(text: string, spec: CompletionStopSpec): StopPoint | null {
  let limit = text.length;
  let stringStop: StopPoint | null = null;
  for (const stop of spec.stopStrings) {
    const at = stop === "" ? -1 : text.indexOf(stop);
    if (at >= 0 && at < limit) {
      limit = at;
      stringStop = { at, reason: "stop-token" };
    }
  }
  const lineStop = spec.multiline
    ? findEndOfBlock(text.slice(0, limit), spec)
    : findEndOfLine(text.slice(0, limit));
  return lineStop ?? stringStop;
}

function findEndOfLine(text: string): StopPoint | null {
  const at = text.indexOf("\n");
  return at >= 0 ? { at, reason: "end-of-line" } : null;
}

function findEndOfBlock(text: string, spec: CompletionStopSpec): StopPoint | null {
  const tabSize = spec.tabSize ?? 4;
  const base = indentation(spec.linePrefix, tabSize) ?? measureWhitespace(spec.linePrefix, tabSize);
  const suffixLine = firstSuffixLine(spec.suffix);
  // Line 0 is the rest of the cursor line; each later line starts after a newline of the completion.
  const lines = text.split("\n");
  let lineStart = lines[0]!.length + 1;
  let previousBlank = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const complete = i < lines.length - 1;
    const cut = { at: lineStart - 1, reason: "end-of-block" as const };
    const indent = indentation(line, tabSize);
    if (indent !== null) {
      if (indent < base) return cut; // a: dedent below the cursor line
      if (previousBlank && indent <= base) return cut; // b: blank line, then back at the base level
      if (complete && suffixLine !== null && line.trimEnd() === suffixLine) return cut; // c: rewriting the suffix
    }
    if (complete) previousBlank = indent === null;
    lineStart += line.length + 1;
  }
  return null;
}

/** Width of an all-whitespace cursor line (the cursor sits at its end). */
function measureWhitespace(line: string, tabSize: number): number {
  let width = 0;
  for (const ch of line) width += ch === "\t" ? tabSize : ch === " " ? 1 : 0;
  return width;
}
