/**
 * Whether to ask the model for a multi-line completion (a block) or a single line. The completion's
 * post-processing itself is the runtime's shared one (runtime/src/prompt/postprocess.ts).
 */
import { CLOSERS, linePrefix, lineSuffix } from "../../../runtime/src/prompt/index.ts";

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
