/**
 * What is left of a completion cut by the time cap (`stopReason: "time-limit"`). Decoding stopped at an
 * arbitrary token, so the last line or word may be unfinished; showing `getUs` when the model was writing
 * `getUser` would insert a wrong name. So:
 *
 * - multi-line: keep the whole lines (up to the last newline) when one of them has code;
 * - otherwise (single-line, or no whole line with code yet): drop the trailing partial identifier or number;
 * - always drop a trailing U+FFFD (a character whose remaining bytes were never generated).
 *
 * What is left may be empty: then nothing is shown.
 */

const TRAILING_WORD = /[\p{L}\p{N}_$]+$/u;

export function trimTimedOut(text: string, multiline: boolean): string {
  const clean = text.replace(/\uFFFD+$/, "");
  if (multiline) {
    const lastNewline = clean.lastIndexOf("\n");
    const whole = lastNewline < 0 ? "" : clean.slice(0, lastNewline);
    if (whole.trim() !== "") return whole;
  }
  return clean.replace(TRAILING_WORD, "");
}
