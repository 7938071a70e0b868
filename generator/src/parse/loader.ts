/**
 * Loads grammars once per process: web-tree-sitter is initialised once, each Language is loaded once
 * (concurrent callers share the same promise), and each language keeps one Parser and its compiled queries.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Language, Parser, Query } from "web-tree-sitter";
import { grammarFiles, languageInfo } from "./languages.ts";

/** A grammar could not be loaded: a missing/corrupt .wasm or a query the grammar rejects. */
export class GrammarError extends Error {
  constructor(
    readonly language: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`grammar "${language}": ${message}`, options);
    this.name = "GrammarError";
  }
}

/** Everything needed to parse one language; shared, so callers must not delete any of it. */
export interface Grammar {
  id: string;
  language: Language;
  parser: Parser;
  spans: Query;
  tags: Query;
}

let initialised: Promise<void> | undefined;
// web-tree-sitter links each grammar module into one shared wasm instance; two Language.load calls in
// flight at once mix up their symbols ("bad export type for 'tree_sitter_php_external_scanner_create'"),
// so loads of different languages run one after another.
let loading: Promise<unknown> = Promise.resolve();
const languages = new Map<string, Promise<Language>>();
const grammars = new Map<string, Promise<Grammar>>();

export function initParser(): Promise<void> {
  initialised ??= Parser.init();
  return initialised;
}

export function loadLanguage(id: string): Promise<Language> {
  let pending = languages.get(id);
  if (pending === undefined) {
    pending = readLanguage(id);
    // A failed load is forgotten so a later call (after grammars/ is repaired) can try again.
    pending.catch(() => languages.delete(id));
    languages.set(id, pending);
  }
  return pending;
}

/** The Language with its Parser and compiled spans/tags queries, built once per language. */
export function loadGrammar(id: string): Promise<Grammar> {
  let pending = grammars.get(id);
  if (pending === undefined) {
    pending = buildGrammar(id);
    pending.catch(() => grammars.delete(id));
    grammars.set(id, pending);
  }
  return pending;
}

async function readLanguage(id: string): Promise<Language> {
  if (languageInfo(id) === undefined) throw new GrammarError(id, "no such language in languages.ts");
  await initParser();
  const { wasm } = grammarFiles(id);
  try {
    // Bytes rather than a path: Language.load(path) takes a plain string, and a URL is what we hold.
    const bytes = new Uint8Array(await readFile(wasm));
    const load = loading.then(() => Language.load(bytes));
    loading = load.catch(() => undefined);
    return await load;
  } catch (error) {
    throw new GrammarError(id, `cannot load ${fileURLToPath(wasm)}; run grammars/update.sh`, {
      cause: error,
    });
  }
}

async function buildGrammar(id: string): Promise<Grammar> {
  const language = await loadLanguage(id);
  const files = grammarFiles(id);
  const [spans, tags] = await Promise.all([
    compile(id, language, files.spans),
    compile(id, language, files.tags),
  ]);
  const parser = new Parser();
  parser.setLanguage(language);
  return { id, language, parser, spans, tags };
}

/**
 * A query file may start with `; inherits: <lang>[,<lang>]` (nvim-treesitter's convention): the same-named
 * query of those languages is prepended, so a grammar that extends another (tsx → typescript) states only
 * what it adds.
 */
export async function querySource(file: URL): Promise<string> {
  const text = await readFile(file, "utf8");
  const inherits = /^;\s*inherits:\s*([\w,\s]+?)\s*$/m.exec(text.split("\n", 1)[0] ?? "");
  if (!inherits) return text;
  const name = file.pathname.slice(file.pathname.lastIndexOf("/") + 1);
  const parents = inherits[1]!
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const inherited = await Promise.all(
    parents.map((parent) => querySource(new URL(`../${parent}/${name}`, file))),
  );
  return [...inherited, text].join("\n");
}

async function compile(id: string, language: Language, file: URL): Promise<Query> {
  try {
    return new Query(language, await querySource(file));
  } catch (error) {
    throw new GrammarError(id, `cannot use ${fileURLToPath(file)}: ${String(error)}`, { cause: error });
  }
}
