/**
 * The symbol index of one snapshot of a repo (definitions by name, imports resolved to files), the data
 * runtime/src/prompt's selectContext reads.
 */
import {
  definitionSnippet,
  type IndexedDefinition,
  type SymbolIndex,
} from "../../../runtime/src/prompt/index.ts";
import type { ParsedFile } from "../parse/types.ts";

export interface IndexedFile {
  path: string;
  text: string;
  parsed: ParsedFile;
}

function stripExtension(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash ? path.slice(0, dot) : path;
}

function dirname(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

function joinPath(base: string, relative: string): string {
  const parts = base ? base.split("/") : [];
  for (const part of relative.split("/")) {
    if (part === "..") parts.pop();
    else if (part && part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** Maps an import specifier to repo files: relative paths, dotted modules (Python), and path suffixes. */
export class ImportResolver {
  private readonly byStem = new Map<string, string[]>();
  /** Last segment of a stem → stems, so suffix matches do not scan every file. */
  private readonly byLastSegment = new Map<string, string[]>();

  constructor(paths: readonly string[]) {
    for (const path of paths) {
      const stem = stripExtension(path);
      for (const key of [
        stem,
        stem.endsWith("/index") || stem.endsWith("/__init__") ? dirname(stem) : null,
      ]) {
        if (!key) continue;
        const list = this.byStem.get(key);
        if (list) list.push(path);
        else {
          this.byStem.set(key, [path]);
          const last = key.slice(key.lastIndexOf("/") + 1);
          this.byLastSegment.set(last, [...(this.byLastSegment.get(last) ?? []), key]);
        }
      }
    }
  }

  resolve(fromPath: string, specifier: string): string[] {
    const cleaned = specifier.replace(/^["'`<]|["'`>]$/g, "");
    let candidate: string;
    if (cleaned.startsWith(".")) {
      // "./x", "../x" (JS/TS/C) or ".x", "..x" (Python relative imports).
      const python =
        !cleaned.startsWith("./") && !cleaned.startsWith("../") && cleaned !== "." && cleaned !== "..";
      if (python) {
        const dots = cleaned.match(/^\.+/)![0].length;
        const up = "../".repeat(dots - 1);
        candidate = joinPath(dirname(fromPath), `${up}${cleaned.slice(dots).replaceAll(".", "/")}`);
      } else {
        candidate = joinPath(dirname(fromPath), cleaned);
      }
      return this.byStem.get(stripExtension(candidate)) ?? this.byStem.get(candidate) ?? [];
    }
    // Absolute specifiers: "pkg.mod", "crate::a::b", "github.com/x/y/z", "@scope/lib/x": match by path suffix.
    const segments = cleaned
      .split(/::|[./\\]/)
      .filter((s) => s && s !== "crate" && s !== "super" && s !== "self");
    const stems = this.byLastSegment.get(segments[segments.length - 1] ?? "") ?? [];
    // Longest matching suffix wins; an ambiguous match (more than 3 files) is no match.
    for (let take = segments.length; take >= 1; take -= 1) {
      const suffix = segments.slice(segments.length - take).join("/");
      const hits = stems.filter((stem) => stem === suffix || stem.endsWith(`/${suffix}`));
      if (hits.length > 3) return [];
      if (hits.length > 0) return [...new Set(hits.flatMap((stem) => this.byStem.get(stem) ?? []))];
    }
    return [];
  }
}

export function buildSymbolIndex(files: readonly IndexedFile[]): SymbolIndex {
  const byName = new Map<string, IndexedDefinition[]>();
  const importsOf = new Map<string, string[]>();
  const resolver = new ImportResolver(files.map((f) => f.path));
  for (const file of files) {
    for (const definition of file.parsed.definitions) {
      const list = byName.get(definition.name) ?? [];
      list.push({
        name: definition.name,
        path: file.path,
        snippet: definitionSnippet(file.text, definition.start, definition.end),
      });
      byName.set(definition.name, list);
    }
    const resolved = new Set<string>();
    for (const specifier of file.parsed.imports) {
      for (const target of resolver.resolve(file.path, specifier))
        if (target !== file.path) resolved.add(target);
    }
    importsOf.set(file.path, [...resolved]);
  }
  return { byName, importsOf };
}
