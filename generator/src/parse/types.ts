/**
 * What parsing a file yields. Offsets are JavaScript string indices (UTF-16 code units) into the source
 * that was parsed; the dataset writer converts them to UTF-8 bytes.
 */
import type { SpanKind } from "../../../runtime/src/contracts/dataset.ts";

/** A candidate FIM middle: an AST unit a developer would ask a completion for. */
export interface Span {
  kind: SpanKind;
  start: number;
  end: number;
}

/** A named definition (function, class, method, type, variable) found by the language's tags query. */
export interface Definition {
  name: string;
  /** e.g. "function", "class", "method", "interface", "type", "variable" */
  kind: string;
  /** Range of the whole definition node (used to cut a signature/snippet for context). */
  start: number;
  end: number;
}

export interface ParsedFile {
  /** Language id as in grammars/<lang>/, or "text" for the line-based fallback. */
  language: string;
  spans: Span[];
  definitions: Definition[];
  /** Module specifiers as written in import/require/use statements ("./util", "os.path", "fmt"). */
  imports: string[];
  /** Number of ERROR/MISSING nodes; spans never overlap them. */
  errorCount: number;
}
