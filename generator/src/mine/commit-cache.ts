/**
 * Per-commit `git log --numstat` results, cached on disk: a commit (and so its diff against its first
 * parent) never changes, so a re-run after a new commit diffs only the new commits. Keyed by the folder the
 * walk is limited to and the commit id; one checked JSON file per repo (see checked-file.ts), keeping only
 * the commits the last run read, so it stays the size of one evaluation window.
 */
import { join } from "node:path";
import { readCheckedFile, writeCheckedFile } from "./checked-file.ts";

/** Bump when what is stored, or the git flags that produce it (history.ts), change. */
export const COMMIT_CACHE_VERSION = 1;
const MAGIC = `repolora-commits-v${COMMIT_CACHE_VERSION}`;

/** One file of a commit's numstat (history.ts FileChange). */
interface FileChange {
  path: string;
  added: number;
  deleted: number;
}

/** [path, added, deleted] per file, as `git log --numstat` counts them. */
type StoredFiles = Array<[string, number, number]>;

function isStoredFiles(value: unknown): value is StoredFiles {
  return (
    Array.isArray(value) &&
    value.every(
      (f) =>
        Array.isArray(f) &&
        f.length === 3 &&
        typeof f[0] === "string" &&
        Number.isInteger(f[1]) &&
        Number.isInteger(f[2]),
    )
  );
}

export class CommitCache {
  private readonly used = new Map<string, StoredFiles>();
  hits = 0;
  misses = 0;

  private constructor(
    private readonly file: string | null,
    private readonly previous: Map<string, unknown>,
  ) {}

  /** `dir` null: no cache at all (every walk reads git). */
  static open(dir: string | null): CommitCache | null {
    if (!dir) return null;
    const file = join(dir, `commits-v${COMMIT_CACHE_VERSION}.json`);
    let previous = new Map<string, unknown>();
    const body = readCheckedFile(file, MAGIC);
    if (body !== null) {
      try {
        const parsed: unknown = JSON.parse(body);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
          previous = new Map(Object.entries(parsed));
      } catch {
        previous = new Map();
      }
    }
    return new CommitCache(file, previous);
  }

  private static key(subdir: string, hash: string): string {
    return `${subdir}\0${hash}`;
  }

  /** The files a commit changed (limited to `subdir`), or undefined when not cached or malformed. */
  get(subdir: string, hash: string): FileChange[] | undefined {
    const key = CommitCache.key(subdir, hash);
    const stored = this.used.get(key) ?? this.previous.get(key);
    if (!isStoredFiles(stored)) return undefined;
    this.hits += 1;
    this.used.set(key, stored);
    return stored.map(([path, added, deleted]) => ({ path, added, deleted }));
  }

  set(subdir: string, hash: string, files: readonly FileChange[]): void {
    this.misses += 1;
    this.used.set(
      CommitCache.key(subdir, hash),
      files.map((f) => [f.path, f.added, f.deleted]),
    );
  }

  /** Keeps only what this run read; writes nothing when everything was a hit. */
  async save(): Promise<void> {
    if (!this.file || this.misses === 0) return;
    // An unwritable cache only costs the next run time.
    await writeCheckedFile(this.file, MAGIC, JSON.stringify(Object.fromEntries(this.used))).catch(() => {});
  }
}
