/**
 * Picks repository context for a completion: definitions of the names used near the cursor, those from
 * files this file imports first. Pure data in, data out: the caller builds the symbol index (tree-sitter
 * in the generator, the same code in the extension), so training and serving choose context alike.
 */
import type { ContextFile } from "./templates.ts";

export interface IndexedDefinition {
  name: string;
  path: string;
  /** The first lines of the definition, as cut by definitionSnippet. */
  snippet: string;
}

export interface SymbolIndex {
  byName: ReadonlyMap<string, readonly IndexedDefinition[]>;
  /** Repo paths each file imports (already resolved to repo files). */
  importsOf: ReadonlyMap<string, readonly string[]>;
}

export type ContextReason = "import" | "definition";

export interface ChosenContext extends ContextFile {
  reason: ContextReason;
}

export interface ContextOptions {
  /** Lines of prefix (from the cursor back) and suffix scanned for identifiers. */
  prefixLines: number;
  suffixLines: number;
  /** A name defined in more places than this is too generic to help (e.g. `get`, `run`). */
  maxDefinitionsPerName: number;
  maxFiles: number;
}

export const DEFAULT_CONTEXT_OPTIONS: ContextOptions = {
  prefixLines: 30,
  suffixLines: 8,
  maxDefinitionsPerName: 2,
  maxFiles: 6,
};

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;
const MIN_NAME_LENGTH = 3;

function lastLines(text: string, count: number): string {
  let start = text.length;
  for (let i = 0; i < count && start > 0; i += 1) start = text.lastIndexOf("\n", start - 1);
  return start <= 0 ? text : text.slice(start + 1);
}

function firstLines(text: string, count: number): string {
  let end = -1;
  for (let i = 0; i < count; i += 1) {
    end = text.indexOf("\n", end + 1);
    if (end < 0) return text;
  }
  return text.slice(0, end);
}

/** Identifiers near the cursor, nearest first, each once. */
export function identifiersNear(prefix: string, suffix: string, options: ContextOptions): string[] {
  // Only the lines near the cursor are split: the prefix can be a whole file.
  const before = lastLines(prefix, options.prefixLines).split("\n").reverse();
  const after = firstLines(suffix, options.suffixLines).split("\n");
  const seen = new Set<string>();
  const names: string[] = [];
  // Interleave lines by distance from the cursor: the line before, the line after, and so on.
  for (let i = 0; i < Math.max(before.length, after.length); i += 1) {
    for (const line of [before[i], after[i]]) {
      if (line === undefined) continue;
      for (const match of line.matchAll(IDENTIFIER)) {
        const name = match[0];
        if (name.length < MIN_NAME_LENGTH || seen.has(name)) continue;
        seen.add(name);
        names.push(name);
      }
    }
  }
  return names;
}

/** The first lines of a definition: its signature and the start of its body. */
export function definitionSnippet(
  source: string,
  start: number,
  end: number,
  maxLines = 8,
  maxChars = 600,
): string {
  const lineStart = source.lastIndexOf("\n", start - 1) + 1;
  const text = source.slice(lineStart, end);
  const lines = text.split("\n");
  let snippet = lines.slice(0, maxLines).join("\n");
  if (snippet.length > maxChars)
    snippet = snippet.slice(0, snippet.lastIndexOf("\n", maxChars) + 1 || maxChars);
  return snippet.trimEnd();
}

export function selectContext(
  path: string,
  prefix: string,
  suffix: string,
  index: SymbolIndex,
  options: ContextOptions = DEFAULT_CONTEXT_OPTIONS,
): ChosenContext[] {
  const imported = new Set(index.importsOf.get(path) ?? []);
  const fromImports: IndexedDefinition[] = [];
  const fromElsewhere: IndexedDefinition[] = [];
  for (const name of identifiersNear(prefix, suffix, options)) {
    const definitions = (index.byName.get(name) ?? []).filter((d) => d.path !== path);
    if (definitions.length === 0 || definitions.length > options.maxDefinitionsPerName) continue;
    for (const definition of definitions) {
      (imported.has(definition.path) ? fromImports : fromElsewhere).push(definition);
    }
  }
  // Snippets of one file are merged so each file appears once, in the rank of its best snippet.
  const files = new Map<string, { snippets: string[]; reason: ContextReason }>();
  for (const definition of [...fromImports, ...fromElsewhere]) {
    const entry = files.get(definition.path);
    if (entry) {
      if (!entry.snippets.includes(definition.snippet)) entry.snippets.push(definition.snippet);
    } else if (files.size < options.maxFiles) {
      files.set(definition.path, {
        snippets: [definition.snippet],
        reason: imported.has(definition.path) ? "import" : "definition",
      });
    }
  }
  return [...files].map(([file, entry]) => ({
    path: file,
    text: entry.snippets.join("\n\n"),
    reason: entry.reason,
  }));
}
