/**
 * Parse results keyed by blob id and language, so a re-run after a small commit re-parses only the files
 * that changed. One JSON file per repo, versioned in its name; a broken or old cache is ignored, never fatal.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SPAN_KINDS } from "../../../runtime/src/contracts/dataset.ts";
import type { ParsedFile } from "../parse/types.ts";

/** Bump when parsing, queries or grammars change what they produce, or the encoding below changes. */
export const PARSE_CACHE_VERSION = 3;

/** Compact form on disk: spans as flat (kind index, start, end) triples; ~4× smaller than objects. */
interface StoredParse {
  l: string;
  e: number;
  i: string[];
  s: number[];
  d: Array<[string, string, number, number]>;
}

export function encodeParse(parsed: ParsedFile): StoredParse {
  return {
    l: parsed.language,
    e: parsed.errorCount,
    i: parsed.imports,
    s: parsed.spans.flatMap((span) => [SPAN_KINDS.indexOf(span.kind), span.start, span.end]),
    d: parsed.definitions.map((d) => [d.name, d.kind, d.start, d.end]),
  };
}

export function decodeParse(stored: StoredParse): ParsedFile {
  const spans: ParsedFile["spans"] = [];
  for (let i = 0; i + 2 < stored.s.length; i += 3) {
    spans.push({ kind: SPAN_KINDS[stored.s[i]!]!, start: stored.s[i + 1]!, end: stored.s[i + 2]! });
  }
  return {
    language: stored.l,
    errorCount: stored.e,
    imports: stored.i,
    spans,
    definitions: stored.d.map(([name, kind, start, end]) => ({ name, kind, start, end })),
  };
}

/** Like decodeParse, but spans (most of the bytes) are decoded when first read: many files only need definitions. */
function decodeLazily(stored: StoredParse): ParsedFile {
  let spans: ParsedFile["spans"] | undefined;
  const parsed = {
    language: stored.l,
    errorCount: stored.e,
    imports: stored.i,
    definitions: stored.d.map(([name, kind, start, end]) => ({ name, kind, start, end })),
  } as ParsedFile;
  Object.defineProperty(parsed, "spans", {
    enumerable: true,
    get: () => {
      spans ??= decodeParse({ ...stored, d: [] }).spans;
      return spans;
    },
  });
  return parsed;
}

export class ParseCache {
  private readonly previous: Map<string, StoredParse>;
  private readonly used = new Map<string, StoredParse>();
  hits = 0;
  misses = 0;

  private constructor(
    private readonly file: string | null,
    previous: Map<string, StoredParse>,
  ) {
    this.previous = previous;
  }

  /** `dir` null: an in-memory cache for this run only. */
  static open(dir: string | null): ParseCache {
    if (!dir) return new ParseCache(null, new Map());
    const file = join(dir, `parse-v${PARSE_CACHE_VERSION}.json`);
    let previous = new Map<string, StoredParse>();
    try {
      if (existsSync(file)) previous = new Map(Object.entries(JSON.parse(readFileSync(file, "utf8"))));
    } catch {
      previous = new Map();
    }
    return new ParseCache(file, previous);
  }

  async get(blob: string, language: string, parse: () => Promise<ParsedFile>): Promise<ParsedFile> {
    const key = `${blob}:${language}`;
    const known = this.used.get(key) ?? this.previous.get(key);
    if (known) {
      this.hits += 1;
      this.used.set(key, known);
      return decodeLazily(known);
    }
    this.misses += 1;
    const parsed = await parse();
    this.used.set(key, encodeParse(parsed));
    return parsed;
  }

  /** Keeps only what this run used, so the cache does not grow with history. */
  async save(): Promise<void> {
    if (!this.file || this.misses === 0) return;
    const dir = join(this.file, "..");
    await mkdir(dir, { recursive: true });
    const temp = `${this.file}.tmp-${process.pid}`;
    await writeFile(temp, JSON.stringify(Object.fromEntries(this.used)));
    await rename(temp, this.file);
  }
}
