/**
 * Requests not worth sending because their answer could hardly be shown (each one costs a prefill of the
 * whole suffix): the cursor inside a word, or a cursor line that goes on with much more than closing brackets,
 * quotes and punctuation. After llama.vim / llama.vscode's `max_line_suffix` (8), counted here without the
 * closers, which completions routinely end before. Off (`skipUnshowable: false`): every request is sent.
 */
import { lineSuffix } from "../../../runtime/src/prompt/index.ts";

export interface PrefilterSettings {
  /** Apply the rules below at all. */
  skipUnshowable: boolean;
  /** Most characters right of the cursor on its line, closers and whitespace not counted. */
  maxLineSuffixChars: number;
}

export type UnshowableReason = "mid-word" | "mid-line";

const WORD = /[\p{L}\p{N}_$]/u;
/** The closers the post-processing trims (CLOSERS in runtime/src/prompt/postprocess.ts) and whitespace. */
const NOT_COUNTED = /[)\]}"'`;,>\s]/u;

/** Why this cursor position is skipped, or null when the model should be asked. */
export function unshowableReason(
  prefix: string,
  suffix: string,
  settings: PrefilterSettings,
): UnshowableReason | null {
  if (!settings.skipUnshowable) return null;
  const before = prefix.at(-1) ?? "";
  const after = suffix[0] ?? "";
  if (WORD.test(before) && WORD.test(after)) return "mid-word";
  let counted = 0;
  for (const ch of lineSuffix(suffix)) if (!NOT_COUNTED.test(ch)) counted += 1;
  return counted > settings.maxLineSuffixChars ? "mid-line" : null;
}
