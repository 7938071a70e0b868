/**
 * What the model generated → the completion to insert at the cursor. The one definition, used by the runtime
 * (its `complete` answer, the FIM probe) and by the extension (the ghost text). Pure functions over strings,
 * in pipeline order:
 *
 * 1. Windows line endings → `\n`; a trailing U+FFFD (the first byte(s) of a character whose other bytes were
 *    never generated: max tokens hit mid-character) is dropped.
 * 2. Single-line requests: the first line only.
 * 3. A line repeated three times in a row (a model stuck in a loop): the first kept, the rest cut.
 * 4. Multi-line requests: cut at the first completion line (after its first) equal to the suffix's first
 *    non-blank line below the cursor's line — the model started rewriting the code after the cursor.
 * 5. The rest of the cursor's line follows the completion's *last* line once inserted; where the completion
 *    ends with the start of it, that overlap is dropped when it is closers (brackets, quotes, `;`, `,`, `>`)
 *    that close nothing the completion opened (`a, b)` before `)` → `a, b`; `f(1)` before `)` stays whole;
 *    `x)` before `));` → `x`), or when it is the whole rest of the line and at least 4 characters long.
 *    And when the rest of the line starts with a closing bracket (an editor's auto-closed one, say) that the
 *    completion writes too on its last line, closing a bracket opened before the cursor, the completion ends
 *    before it (`user, options);` before `)` → `user, options`): the line already has that bracket.
 * 6. Trailing whitespace and blank lines dropped.
 *
 * `shownCompletion` adds the editor's last rule: nothing is shown when nothing is left, or when the text only
 * repeats what follows the cursor. docs/decisions/2026-12-05-one-postprocess.md says why each rule is so.
 */

/** Text between the start of the cursor's line and the cursor. */
export function linePrefix(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf("\n") + 1);
}

/** Text between the cursor and the end of its line. */
export function lineSuffix(suffix: string): string {
  const end = suffix.indexOf("\n");
  return end < 0 ? suffix : suffix.slice(0, end);
}

/** First non-blank line of the suffix after the cursor line, trailing whitespace removed; null if none. */
export function firstSuffixLine(suffix: string): string | null {
  const line = suffix
    .split("\n")
    .slice(1)
    .find((l) => l.trim() !== "");
  return line === undefined ? null : line.trimEnd();
}

/** Characters a completion routinely ends with that the rest of the cursor's line may already hold. */
export const CLOSERS: ReadonlySet<string> = new Set([")", "]", "}", '"', "'", "`", ";", ",", ">"]);
const OPENER_OF: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{" };
const QUOTES = ['"', "'", "`"];
/** A repeated rest of the line shorter than this, and not all closers, may be the completion's own text. */
const MIN_PLAIN_OVERLAP = 4;

/** Rules 1–6 (see above). */
export function finishCompletion(text: string, suffix: string, multiline: boolean): string {
  let out = text.replace(/\r\n?/g, "\n").replace(/\uFFFD+$/, "");
  if (!multiline) out = lineSuffix(out);
  out = stopAtRepeatedLines(out);
  if (multiline) out = stopAtSuffix(out, suffix);
  return trimLineSuffixOverlap(out.trimEnd(), suffix);
}

/** The completion to show as ghost text, or null when nothing worth showing is left. */
export function shownCompletion(text: string, suffix: string, multiline: boolean): string | null {
  const out = finishCompletion(text, suffix, multiline);
  // A completion that only ends the line (or repeats what follows the cursor) is no completion.
  if (out.trim() === "" || suffix.startsWith(out)) return null;
  return out;
}

/** A line repeated `times` times in a row means a model stuck in a loop: keep the first, cut the rest. */
export function stopAtRepeatedLines(text: string, times = 3): string {
  const lines = text.split("\n");
  let run = 1;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    run = line.trim() !== "" && line === lines[i - 1] ? run + 1 : 1;
    if (run >= times) return lines.slice(0, i - times + 2).join("\n");
  }
  return text;
}

/**
 * Stops a multi-line completion where it starts repeating the code after the cursor: at the first completion
 * line (after its first, which continues the cursor's line) equal, indentation included, to the first
 * non-blank line below the cursor's line.
 */
export function stopAtSuffix(text: string, suffix: string): string {
  const next = firstSuffixLine(suffix);
  if (next === null) return text;
  const lines = text.split("\n");
  const at = lines.findIndex((line, i) => i > 0 && line.trimEnd() === next);
  return at > 0 ? lines.slice(0, at).join("\n") : text;
}

/**
 * Drops from the end of the completion the start of the cursor's rest of line that it repeats (rule 5). The
 * longest overlap that may go is dropped; a completion that is the rest of the line and nothing else becomes "".
 */
export function trimLineSuffixOverlap(text: string, suffix: string): string {
  const rest = lineSuffix(suffix).trim();
  if (rest === "") return text;
  if (text.trim() === rest) return "";
  // only on the completion's last line, the one the rest of the line follows (inner lines are left alone)
  const closedBefore = closingOfOuterBracket(text, rest[0]!);
  if (closedBefore > text.lastIndexOf("\n")) return text.slice(0, closedBefore).trimEnd();
  for (let k = rest.length; k >= 1; k -= 1) {
    const overlap = rest.slice(0, k);
    if (!text.endsWith(overlap)) continue;
    const kept = text.slice(0, text.length - k);
    const allClosers = [...overlap].every((ch) => CLOSERS.has(ch));
    if (allClosers ? !closesOwnOpener(kept, overlap) : k === rest.length && k >= MIN_PLAIN_OVERLAP) {
      return kept.trimEnd();
    }
  }
  return text;
}

/**
 * Where `text` closes, with `closer`, a bracket opened before it (outside the text): the index of the first
 * closer at depth 0 when it is `closer`; -1 when `closer` is no bracket, or the first depth-0 closer is another.
 */
function closingOfOuterBracket(text: string, closer: string): number {
  if (OPENER_OF[closer] === undefined) return -1;
  const open: string[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (ch === "(" || ch === "[" || ch === "{") open.push(ch);
    else if (OPENER_OF[ch] !== undefined) {
      if (open.length === 0) return ch === closer ? i : -1;
      if (open.at(-1) === OPENER_OF[ch]) open.pop();
    }
  }
  return -1;
}

/**
 * True when one of the overlap's closers closes a bracket or quote the kept completion opened and left open
 * (`bar(` + `)`, `say("hi` + `"`): then the overlap is the completion's own and stays.
 */
function closesOwnOpener(kept: string, overlap: string): boolean {
  const open: string[] = [];
  for (const ch of kept) {
    if (ch === "(" || ch === "[" || ch === "{") open.push(ch);
    else if (OPENER_OF[ch] !== undefined && open.at(-1) === OPENER_OF[ch]) open.pop();
  }
  for (const ch of overlap) {
    if (QUOTES.includes(ch)) {
      if (kept.split(ch).length % 2 === 0) return true; // an odd count of this quote: one is open
    } else if (OPENER_OF[ch] !== undefined) {
      if (open.at(-1) === OPENER_OF[ch]) return true;
    }
  }
  return false;
}
