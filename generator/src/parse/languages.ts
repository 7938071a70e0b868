/**
 * The language registry: which files each grammar parses and where its files live under grammars/.
 * This is the one place grammar paths are resolved; everything else asks for a language by id.
 */
import { basename, extname } from "node:path";
import { pathToFileURL } from "node:url";
import { packagePath } from "../../../runtime/src/util/package-root.ts";

export interface LanguageInfo {
  /** Folder name under grammars/ and the `language` of records. */
  id: string;
  /** Lower-case, with the dot. */
  extensions: readonly string[];
  /** Exact file names without a telling extension (Rakefile, Gemfile). */
  fileNames?: readonly string[];
  /** Interpreter names a `#!` line may use (python3, node). */
  interpreters?: readonly string[];
}

/** Language id of the line-based fallback used for every file without a grammar. */
export const TEXT_LANGUAGE = "text";

export const LANGUAGES: readonly LanguageInfo[] = [
  { id: "typescript", extensions: [".ts", ".mts", ".cts"] },
  { id: "tsx", extensions: [".tsx"] },
  // The javascript grammar parses JSX too, so .jsx needs no grammar of its own.
  {
    id: "javascript",
    extensions: [".js", ".mjs", ".cjs", ".jsx"],
    interpreters: ["node", "nodejs"],
  },
  {
    id: "python",
    extensions: [".py", ".pyi", ".pyw"],
    fileNames: ["SConstruct", "SConscript"],
    interpreters: ["python", "python2", "python3"],
  },
  { id: "go", extensions: [".go"] },
  { id: "rust", extensions: [".rs"] },
  { id: "java", extensions: [".java"] },
  // A .h file is taken as C; C++ headers usually say so with .hpp/.hh.
  { id: "c", extensions: [".c", ".h"] },
  { id: "cpp", extensions: [".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx", ".h++", ".ipp", ".inl"] },
  { id: "c_sharp", extensions: [".cs"] },
  {
    id: "ruby",
    extensions: [".rb", ".rake", ".gemspec", ".ru"],
    fileNames: ["Rakefile", "Gemfile", "Guardfile", "Vagrantfile", "Podfile"],
    interpreters: ["ruby"],
  },
  { id: "php", extensions: [".php"], interpreters: ["php"] },
];

const byId = new Map(LANGUAGES.map((info) => [info.id, info]));
const byExtension = new Map(
  LANGUAGES.flatMap((info) => info.extensions.map((ext) => [ext, info.id] as const)),
);
const byFileName = new Map(
  LANGUAGES.flatMap((info) => (info.fileNames ?? []).map((n) => [n, info.id] as const)),
);
const byInterpreter = new Map(
  LANGUAGES.flatMap((info) => (info.interpreters ?? []).map((n) => [n, info.id] as const)),
);

/** grammars/ at the package root. */
export const GRAMMARS_DIR = pathToFileURL(`${packagePath("grammars")}/`);

export function languageInfo(id: string): LanguageInfo | undefined {
  return byId.get(id);
}

/** The files of one grammar: the parser and our two queries. */
export function grammarFiles(id: string): { wasm: URL; spans: URL; tags: URL } {
  const dir = new URL(`${id}/`, GRAMMARS_DIR);
  return {
    wasm: new URL(`tree-sitter-${id}.wasm`, dir),
    spans: new URL("spans.scm", dir),
    tags: new URL("tags.scm", dir),
  };
}

/**
 * The grammar language of a file, or null when none applies (the caller then uses TEXT_LANGUAGE).
 * `firstLine` is optional: pass it to recognise extension-less scripts by their `#!` line.
 */
export function detectLanguage(path: string, firstLine?: string): string | null {
  const name = basename(path);
  const ext = extname(name).toLowerCase();
  const found = (ext !== "" ? byExtension.get(ext) : undefined) ?? byFileName.get(name);
  if (found !== undefined) return found;
  if (firstLine?.startsWith("#!")) return interpreterLanguage(firstLine);
  return null;
}

function interpreterLanguage(shebang: string): string | null {
  // "#!/usr/bin/env -S python3 -u" and "#!/usr/bin/python3.11" both name python.
  const words = shebang.slice(2).trim().split(/\s+/);
  const program = basename(words[0] ?? "");
  const interpreter = program === "env" ? words.find((w, i) => i > 0 && !w.startsWith("-")) : program;
  if (interpreter === undefined) return null;
  return (
    byInterpreter.get(basename(interpreter).replace(/[\d.]+$/, "")) ?? byInterpreter.get(interpreter) ?? null
  );
}
