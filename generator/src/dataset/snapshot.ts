/**
 * Reads the kept files of one commit: classifies paths and contents, scrubs secrets, and records why
 * anything was skipped. The same code reads HEAD (evaluation) and the cutoff (training).
 */

import { DATA_EXTENSIONS } from "../../../runtime/src/contracts/file-selection.ts";
import { type BlobReader, MissingObjectError } from "../mine/blobs.ts";
import type { ObjectStore } from "../mine/objects.ts";
import { MODE_SUBMODULE, MODE_SYMLINK, type TreeEntry } from "../mine/tree.ts";
import { detectLanguage } from "../parse/languages.ts";
import { scrubSecrets } from "../secrets/index.ts";
import { createFileFilter, type FileFilter } from "../select/index.ts";
import type { ScrubCache } from "./scrub-cache.ts";

export interface SnapshotFile {
  path: string;
  blob: string;
  /** Grammar language id, or "text" for the line-based fallback. */
  language: string;
  /** Contents after secret scrubbing. */
  text: string;
  lines: number;
}

export interface SnapshotStats {
  skipped: Record<string, number>;
  scrubbed: Record<string, number>;
}

export interface SnapshotOptions {
  filter: FileFilter;
  /** Only these languages (grammar ids, or "text"); null for all. */
  languages: ReadonlySet<string> | null;
  /** Blobs known to need no scrubbing (scrub-cache.ts); absent: scrub everything. */
  scrubCache?: ScrubCache | null;
  /** Counts blobs that turn out missing when read (skipped as missing_object). */
  store?: ObjectStore;
}

export function makeSnapshotOptions(
  repoloraIgnore: string | undefined,
  maxFileBytes: number,
  languages: string[] | null,
): SnapshotOptions {
  return {
    filter: createFileFilter({ repoloraIgnore, maxFileBytes }),
    languages: languages ? new Set(languages) : null,
  };
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Decides from the tree entry alone; returns the language or the reason to skip. */
export function classifyEntry(
  entry: TreeEntry,
  options: SnapshotOptions,
): { language: string } | { skip: string } {
  if (entry.mode === MODE_SYMLINK) return { skip: "symlink" };
  if (entry.mode === MODE_SUBMODULE) return { skip: "submodule" };
  if (entry.missing) return { skip: "missing_object" };
  const byPath = options.filter.classifyPath(entry.path, entry.size);
  if (byPath) return { skip: byPath.reason };
  const language = detectLanguage(entry.path) ?? "text";
  if (language === "text") {
    const extension = entry.path.slice(entry.path.lastIndexOf(".") + 1).toLowerCase();
    if (DATA_EXTENSIONS.has(extension)) return { skip: "data" };
  }
  if (options.languages && !options.languages.has(language)) return { skip: "language_not_selected" };
  return { language };
}

export async function readSnapshot(
  entries: readonly TreeEntry[],
  reader: BlobReader,
  options: SnapshotOptions,
  stats: SnapshotStats,
  onFile: () => void,
): Promise<SnapshotFile[]> {
  const files: SnapshotFile[] = [];
  const pending: Array<{ entry: TreeEntry; language: string; bytes: Promise<Buffer | null> }> = [];
  for (const entry of entries) {
    const decision = classifyEntry(entry, options);
    if ("skip" in decision) {
      bump(stats.skipped, decision.skip);
      onFile();
      continue;
    }
    // A blob missing from the store is skipped like one ls-tree already knew was missing.
    const bytes = reader.read(entry.blob).catch((error: unknown) => {
      if (!(error instanceof MissingObjectError)) throw error;
      options.store?.markMissing(entry.blob);
      return null;
    });
    pending.push({ entry, language: decision.language, bytes });
  }
  for (const { entry, language, bytes } of pending) {
    const read = await bytes;
    onFile();
    if (read === null) {
      bump(stats.skipped, "missing_object");
      continue;
    }
    const content = options.filter.classifyContent(entry.path, read);
    if ("reason" in content) {
      bump(stats.skipped, content.reason);
      continue;
    }
    let scrubbed: { text: string; counts: Record<string, number> };
    if (options.scrubCache?.isClean(entry.blob)) scrubbed = { text: content.text, counts: {} };
    else {
      scrubbed = scrubSecrets(content.text);
      const found = Object.values(scrubbed.counts).some((count) => count > 0);
      if (!found && scrubbed.text === content.text) options.scrubCache?.markClean(entry.blob);
    }
    for (const [kind, count] of Object.entries(scrubbed.counts))
      if (count > 0) bump(stats.scrubbed, kind, count);
    files.push({
      path: entry.path,
      blob: entry.blob,
      language,
      text: scrubbed.text,
      lines: scrubbed.text.split("\n").length,
    });
  }
  return files;
}
