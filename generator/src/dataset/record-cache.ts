/**
 * Finished records of one file, cached on disk, so a re-run after a small commit writes the records of
 * files whose inputs did not change without sampling spans, selecting context or rendering prompts again.
 *
 * An entry's key is a digest of the file's own inputs: split, commit, path, blob, language, evaluation
 * line ranges, every option, the tokenizer's bytes, and a fingerprint of the code that makes records.
 * What a record also reads from other files, the symbol index, is tracked while the record is made
 * (trackIndex: exactly which names and import lists selectContext looked up) and stored as a digest of
 * those lookups' results; a later run reuses the entry only when the same lookups in its own index give
 * the same digest. A file whose records read the index any other way, or any retrieval index, is not
 * cached. Entries are checked files (mine/checked-file.ts): a corrupt entry is a miss. Entries this run
 * did not use are deleted at the end, so the cache holds one build's worth.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { SPAN_KINDS, type SpanKind } from "../../../runtime/src/contracts/dataset.ts";
import type { IndexedDefinition, SymbolIndex } from "../../../runtime/src/prompt/index.ts";
import { compiledBundle, packageRoot } from "../../../runtime/src/util/package-root.ts";
import { readCheckedFile, writeCheckedFile } from "../mine/checked-file.ts";

/** Bump when the stored form changes (the code fingerprint covers changes to how records are made). */
export const RECORD_CACHE_VERSION = 1;
const MAGIC = `repolora-records-v${RECORD_CACHE_VERSION}`;

/** One record as written (its JSON line) with what the manifest and dedup read from it. */
export interface RecordRow {
  json: string;
  language: string;
  kind: SpanKind;
  tokens: number;
  middle: string;
}

/** What a file's records read from the symbol index. */
export interface IndexReads {
  names: string[];
  imports: string[];
}

interface StoredEntry {
  deps: string;
  names: string[];
  imports: string[];
  rows: Array<[string, number, number, string]>;
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === "string");

function isStoredEntry(value: unknown): value is StoredEntry {
  if (!value || typeof value !== "object") return false;
  const entry = value as Partial<StoredEntry>;
  return (
    typeof entry.deps === "string" &&
    isStrings(entry.names) &&
    isStrings(entry.imports) &&
    Array.isArray(entry.rows) &&
    entry.rows.every(
      (m) =>
        Array.isArray(m) &&
        m.length === 4 &&
        typeof m[0] === "string" &&
        SPAN_KINDS[m[1] as number] !== undefined &&
        typeof m[2] === "number" &&
        typeof m[3] === "string",
    )
  );
}

/**
 * Digests of index lookups for one index, memoised per name: equal digests mean selectContext, making
 * the same lookups, got the same answers.
 */
export class IndexDigests {
  private readonly names = new Map<string, string>();
  private readonly imports = new Map<string, string>();

  constructor(private readonly index: SymbolIndex) {}

  of(reads: IndexReads): string {
    const hash = createHash("sha256");
    for (const name of reads.names) hash.update(`n\0${name}\0${this.name(name)}\0`);
    for (const path of reads.imports) hash.update(`i\0${path}\0${this.importsOf(path)}\0`);
    return hash.digest("hex");
  }

  private name(name: string): string {
    let digest = this.names.get(name);
    if (digest === undefined) {
      const list: readonly IndexedDefinition[] | undefined = this.index.byName.get(name);
      digest = list ? digestOf(JSON.stringify(list.map((d) => [d.name, d.path, d.snippet]))) : "-";
      this.names.set(name, digest);
    }
    return digest;
  }

  private importsOf(path: string): string {
    let digest = this.imports.get(path);
    if (digest === undefined) {
      const list = this.index.importsOf.get(path);
      digest = list ? digestOf(JSON.stringify(list)) : "-";
      this.imports.set(path, digest);
    }
    return digest;
  }
}

const digestOf = (text: string) => createHash("sha256").update(text).digest("base64");

/**
 * The index as selectContext sees it, recording the keys it reads; any other use (iteration, size)
 * marks the reads incomplete, and such records are not cached.
 */
export function trackIndex(index: SymbolIndex): {
  index: SymbolIndex;
  /** Starts a new file's record of reads. */
  reset(): void;
  /** The reads since reset, sorted; null when the index was used in a way not tracked. */
  reads(): IndexReads | null;
} {
  const names = new Set<string>();
  const imports = new Set<string>();
  let complete = true;
  const track = <V>(map: ReadonlyMap<string, V>, seen: Set<string>): ReadonlyMap<string, V> =>
    new Proxy(map, {
      get(target, property) {
        if (property === "get" || property === "has") {
          return (key: string) => {
            seen.add(key);
            return property === "get" ? target.get(key) : target.has(key);
          };
        }
        complete = false;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return {
    index: { byName: track(index.byName, names), importsOf: track(index.importsOf, imports) },
    reset() {
      names.clear();
      imports.clear();
      complete = true;
    },
    reads: () => (complete ? { names: [...names].sort(), imports: [...imports].sort() } : null),
  };
}

export class RecordCache {
  hits = 0;
  misses = 0;
  private readonly used = new Set<string>();

  private constructor(private readonly dir: string) {}

  /** `dir` null: no cache. */
  static open(dir: string | null): RecordCache | null {
    return dir ? new RecordCache(join(dir, `records-v${RECORD_CACHE_VERSION}`)) : null;
  }

  private file(key: string): string {
    return join(this.dir, `${key}.jsonl`);
  }

  /** The rows stored under `key` when the lookups they made give the same answers in `digests`' index. */
  get(key: string, digests: IndexDigests): RecordRow[] | null {
    const body = readCheckedFile(this.file(key), MAGIC);
    const rows = body === null ? null : decode(body, digests);
    if (rows) {
      this.hits += 1;
      this.used.add(key);
    } else this.misses += 1;
    return rows;
  }

  async put(
    key: string,
    reads: IndexReads,
    digests: IndexDigests,
    rows: readonly RecordRow[],
  ): Promise<void> {
    const entry: StoredEntry = {
      deps: digests.of(reads),
      names: reads.names,
      imports: reads.imports,
      rows: rows.map((r) => [r.language, SPAN_KINDS.indexOf(r.kind), r.tokens, r.middle]),
    };
    try {
      await writeCheckedFile(
        this.file(key),
        MAGIC,
        [JSON.stringify(entry), ...rows.map((r) => r.json)].join("\n"),
      );
      this.used.add(key);
    } catch {
      // An unwritable cache only costs the next run time.
    }
  }

  /** Deletes the entries this run did not use (and temporary files left by a crash). */
  async prune(): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    const hourAgo = Date.now() - 3600_000;
    for (const name of names) {
      const temporary = name.includes(".tmp-");
      if (temporary ? mtime(join(this.dir, name)) < hourAgo : !this.used.has(name.replace(/\.jsonl$/, "")))
        await rm(join(this.dir, name), { force: true }).catch(() => {});
    }
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function decode(body: string, digests: IndexDigests): RecordRow[] | null {
  const newline = body.indexOf("\n");
  let entry: unknown;
  try {
    entry = JSON.parse(newline < 0 ? body : body.slice(0, newline));
  } catch {
    return null;
  }
  if (!isStoredEntry(entry)) return null;
  if (digests.of(entry) !== entry.deps) return null;
  const lines = newline < 0 ? [] : body.slice(newline + 1).split("\n");
  if (lines.length !== entry.rows.length) return null;
  return entry.rows.map(([language, kind, tokens, middle], i) => ({
    json: lines[i]!,
    language,
    kind: SPAN_KINDS[kind]!,
    tokens,
    middle,
  }));
}

/** A digest of the inputs (any JSON value); the key of a cache entry. */
export function recordKey(inputs: unknown): string {
  return createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 32);
}

let fingerprint: string | undefined;

/**
 * A digest of the code records are made with: the sources of the dataset, parse, select, secrets and mine
 * modules and of runtime/src/prompt, runtime/src/contracts and runtime/src/util, the grammars and package.json. An edit to any of
 * them (not to tests) makes every cached record a miss, so no version needs bumping by hand. The compiled CLI
 * has no sources: its bundle, which holds all of them, stands in.
 */
export function codeFingerprint(): string {
  if (fingerprint) return fingerprint;
  const root = packageRoot();
  const hash = createHash("sha256");
  const add = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
      return;
    }
    if (/\.test\.ts$/.test(path)) return;
    hash.update(path.slice(root.length));
    // Grammar binaries are large: their size and time stand in for their bytes.
    if (/\.wasm$/.test(path)) hash.update(`${stat.size}:${stat.mtimeMs}`);
    else hash.update(readFileSync(path));
  };
  for (const part of [
    "generator/src/dataset",
    "generator/src/parse",
    "generator/src/select",
    "generator/src/secrets",
    "generator/src/mine",
    "runtime/src/prompt",
    "runtime/src/contracts",
    "runtime/src/util",
    "grammars",
    "package.json",
  ]) {
    try {
      add(join(root, part));
    } catch {
      hash.update(`missing ${part}`);
    }
  }
  const bundle = compiledBundle();
  if (bundle) add(bundle);
  fingerprint = hash.digest("hex");
  return fingerprint;
}
