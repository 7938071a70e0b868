/**
 * parseSource: a file's FIM span candidates, definitions and imports. Grammar languages go through
 * tree-sitter and the grammar's queries; "text" (any file without a grammar) through the line fallback.
 */
import { DEFAULT_SPAN_LIMITS, finalizeSpans, type SpanLimits } from "./finalize.ts";
import { TEXT_LANGUAGE } from "./languages.ts";
import { loadGrammar } from "./loader.ts";
import { querySpans } from "./spans.ts";
import { findSyntaxErrors } from "./syntax-errors.ts";
import { queryTags } from "./tags.ts";
import { textSpans } from "./text.ts";
import type { ParsedFile } from "./types.ts";

export type ParseOptions = Partial<SpanLimits>;
export { DEFAULT_SPAN_LIMITS, type SpanLimits };

export async function parseSource(
  source: string,
  language: string,
  options: ParseOptions = {},
): Promise<ParsedFile> {
  const limits: SpanLimits = {
    maxLines: options.maxLines ?? DEFAULT_SPAN_LIMITS.maxLines,
    maxChars: options.maxChars ?? DEFAULT_SPAN_LIMITS.maxChars,
  };
  if (language === TEXT_LANGUAGE) return parseText(source, limits);

  const grammar = await loadGrammar(language);
  // From here on everything is synchronous, so sharing the grammar's one Parser is safe.
  const tree = grammar.parser.parse(source);
  if (tree === null) throw new Error(`tree-sitter returned no tree for a ${language} file`);
  try {
    const root = tree.rootNode;
    const errors = findSyntaxErrors(root);
    const candidates = querySpans(grammar.spans, root, source, limits.maxChars);
    const spans = finalizeSpans(candidates, source, limits, errors);
    const { definitions, imports } = queryTags(grammar.tags, root);
    return { language, spans, definitions, imports, errorCount: errors.count };
  } finally {
    tree.delete();
  }
}

function parseText(source: string, limits: SpanLimits): ParsedFile {
  const spans = finalizeSpans(textSpans(source, limits.maxChars), source, limits);
  return { language: TEXT_LANGUAGE, spans, definitions: [], imports: [], errorCount: 0 };
}
